import Balancer
import CJemalloc

// The `balancer` executable: the command line is parsed and run by the Balancer library, which the fuzz targets
// link as well. Importing CJemalloc links jemalloc, whose malloc then serves every allocation of the process.
await BalancerCommand.runAsMain()
