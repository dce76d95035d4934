import FramingOracles

#if FUZZING
    /// libFuzzer's entry: one connection preamble per call.
    @_cdecl("LLVMFuzzerTestOneInput")
    public func proxyProtocolTestOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
        FramingTarget.proxyProtocol.fuzz(data, size)
    }
#else
    /// Replays the PROXY protocol corpus folders named on the command line.
    @main
    enum ProxyProtocolCorpusReplay {
        static func main() { CorpusReplay.main(.proxyProtocol) }
    }
#endif
