import FramingOracles

#if FUZZING
    /// libFuzzer's entry: one client byte stream per call.
    @_cdecl("LLVMFuzzerTestOneInput")
    public func requestFramingTestOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
        FramingTarget.request.fuzz(data, size)
    }
#else
    /// Replays the request corpus folders named on the command line.
    @main
    enum RequestCorpusReplay {
        static func main() { CorpusReplay.main(.request) }
    }
#endif
