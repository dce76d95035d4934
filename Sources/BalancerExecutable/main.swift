import Balancer

// The `balancer` executable: the command line is parsed and run by the Balancer library, which the fuzz targets
// link as well.
await BalancerCommand.runAsMain()
