import CLibPQ
import CHiredis
print("health-service")
