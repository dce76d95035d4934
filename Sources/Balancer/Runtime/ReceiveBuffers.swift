import NIOCore

/// The size of the buffer each connection reads into. NIO keeps a connection's last receive buffer for its next
/// read, so an idle keep-alive connection holds one: starting at 1 KiB instead of NIO's 2 KiB (nginx's
/// `client_header_buffer_size` is 1k) halves what an idle connection keeps, while a connection that fills its
/// buffer gets a larger one at the next read, up to 64 KiB, so bodies still stream in large reads.
enum ReceiveBuffers {
    static let adaptive = AdaptiveRecvByteBufferAllocator(minimum: 64, initial: 1024, maximum: 65536)
}
