import BalancerCore
import Shared

/// The balancer's name for Shared's per-loop `LoopDateCache` (`LoopContext.dates`), which the proxy's response path
/// stamps `Date:`, `Expires:` and access-log times from.
typealias HTTPDateCache = LoopDateCache
