import FramingOracles

#if FUZZING
    /// libFuzzer's entry: one upstream response stream, with the request it answers, per call.
    @_cdecl("LLVMFuzzerTestOneInput")
    public func responseFramingTestOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
        FramingTarget.response.fuzz(data, size)
    }
#else
    /// Replays the response corpus folders named on the command line.
    @main
    enum ResponseCorpusReplay {
        static func main() { CorpusReplay.main(.response) }
    }
#endif
