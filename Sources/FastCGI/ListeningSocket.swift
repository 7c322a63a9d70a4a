import Glibc

/// The bound, listening, non-blocking socket, and the socket file we own.
struct ListeningSocket: Sendable {
    /// Identity of the socket file we created, so we never unlink a file
    /// that another process put at the same path after us.
    private struct OwnedSocketFile: Sendable {
        let path: String
        let device: UInt64
        let inode: UInt64
    }

    let fd: Int32
    let description: String
    let boundPort: UInt16?
    private let ownedFile: OwnedSocketFile?

    static func open(_ listen: FastCGIServerConfiguration.Listen, backlog: Int32) throws(FastCGIServerError) -> ListeningSocket {
        switch listen {
        case let .unix(path, mode, group):
            try openUnix(path: path, mode: mode, group: group, backlog: backlog)
        case let .tcp(host, port):
            try openTCP(host: host, port: port, backlog: backlog)
        }
    }

    /// Closes the descriptor and removes the socket file if it is still ours.
    func close() {
        Glibc.close(fd)
        guard let ownedFile else {
            return
        }
        var info = stat()
        if lstat(ownedFile.path, &info) == 0,
           UInt64(info.st_dev) == ownedFile.device,
           UInt64(info.st_ino) == ownedFile.inode {
            unlink(ownedFile.path)
        }
    }

    // MARK: - Unix

    private static func openUnix(path: String, mode: UInt16, group: String?, backlog: Int32) throws(FastCGIServerError) -> ListeningSocket {
        let address = try UnixSocketAddress.make(path)
        let groupID = try group.map { name throws(FastCGIServerError) in try lookUpGroup(name) }
        try removeStaleSocket(at: path, address: address)

        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue) | Int32(SOCK_NONBLOCK.rawValue), 0)
        guard fd >= 0 else {
            throw .systemCall("socket", errno: errno)
        }
        // Bind under a umask that leaves the file owner-only, so it is never
        // briefly accessible to others before chown/chmod below. (umask is
        // process-wide; this happens once, at start-up.)
        let previousMask = umask(0o177)
        let bindResult = UnixSocketAddress.bind(fd, address)
        let bindErrno = errno
        umask(previousMask)
        guard bindResult == 0 else {
            Glibc.close(fd)
            throw bindErrno == EADDRINUSE ? .addressInUse(path) : .systemCall("bind(\(path))", errno: bindErrno)
        }

        var info = stat()
        guard lstat(path, &info) == 0 else {
            let code = errno
            Glibc.close(fd)
            throw .systemCall("stat(\(path))", errno: code)
        }
        let owned = OwnedSocketFile(path: path, device: UInt64(info.st_dev), inode: UInt64(info.st_ino))
        let socket = ListeningSocket(fd: fd, description: "unix:\(path)", boundPort: nil, ownedFile: owned)

        if let groupID, chown(path, uid_t.max, groupID) != 0 {
            let code = errno
            socket.close()
            throw .systemCall("chown(\(path))", errno: code)
        }
        if chmod(path, mode_t(mode)) != 0 {
            let code = errno
            socket.close()
            throw .systemCall("chmod(\(path))", errno: code)
        }
        if Glibc.listen(fd, backlog) != 0 {
            let code = errno
            socket.close()
            throw .systemCall("listen(\(path))", errno: code)
        }
        return socket
    }

    /// A socket file left by a crashed process is removed; one that still
    /// answers belongs to a live server and is never touched.
    private static func removeStaleSocket(at path: String, address: sockaddr_un) throws(FastCGIServerError) {
        var info = stat()
        guard lstat(path, &info) == 0 else {
            if errno == ENOENT {
                return
            }
            throw .systemCall("stat(\(path))", errno: errno)
        }
        guard info.st_mode & S_IFMT == S_IFSOCK else {
            throw .pathIsNotASocket(path)
        }
        let probe = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue) | Int32(SOCK_NONBLOCK.rawValue), 0)
        guard probe >= 0 else {
            throw .systemCall("socket", errno: errno)
        }
        let result = UnixSocketAddress.connect(probe, address)
        let code = errno
        Glibc.close(probe)
        if result == 0 {
            throw .addressInUse(path)
        }
        switch code {
        case ECONNREFUSED, ENOENT:
            if unlink(path) != 0 && errno != ENOENT {
                throw .systemCall("unlink(\(path))", errno: errno)
            }
        case EAGAIN, EINPROGRESS:
            // A listener whose backlog is full is still a live listener.
            throw .addressInUse(path)
        default:
            throw .systemCall("connect(\(path))", errno: code)
        }
    }

    private static func lookUpGroup(_ name: String) throws(FastCGIServerError) -> gid_t {
        var entry = group()
        var result: UnsafeMutablePointer<group>?
        var buffer = [CChar](repeating: 0, count: 16 * 1024)
        let status = getgrnam_r(name, &entry, &buffer, buffer.count, &result)
        if status == 0, result != nil {
            return entry.gr_gid
        }
        if let numeric = gid_t(name) {
            return numeric
        }
        throw .unknownGroup(name)
    }

    // MARK: - TCP

    private static func openTCP(host: String, port: UInt16, backlog: Int32) throws(FastCGIServerError) -> ListeningSocket {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV
        var list: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(host, String(port), &hints, &list) == 0, let first = list else {
            throw .invalidAddress("\(host):\(port)")
        }
        defer { freeaddrinfo(list) }
        let info = first.pointee

        let fd = socket(info.ai_family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue) | Int32(SOCK_NONBLOCK.rawValue), 0)
        guard fd >= 0 else {
            throw .systemCall("socket", errno: errno)
        }
        var one: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        guard Glibc.bind(fd, info.ai_addr, info.ai_addrlen) == 0 else {
            let code = errno
            Glibc.close(fd)
            throw code == EADDRINUSE ? .addressInUse("\(host):\(port)") : .systemCall("bind(\(host):\(port))", errno: code)
        }
        guard Glibc.listen(fd, backlog) == 0 else {
            let code = errno
            Glibc.close(fd)
            throw .systemCall("listen(\(host):\(port))", errno: code)
        }
        let actualPort = boundPort(of: fd) ?? port
        return ListeningSocket(fd: fd, description: "tcp:\(host):\(actualPort)", boundPort: actualPort, ownedFile: nil)
    }

    private static func boundPort(of fd: Int32) -> UInt16? {
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let result = withUnsafeMutablePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        guard result == 0 else {
            return nil
        }
        switch Int32(storage.ss_family) {
        case AF_INET:
            return withUnsafePointer(to: &storage) {
                $0.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { UInt16(bigEndian: $0.pointee.sin_port) }
            }
        case AF_INET6:
            return withUnsafePointer(to: &storage) {
                $0.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { UInt16(bigEndian: $0.pointee.sin6_port) }
            }
        default:
            return nil
        }
    }
}
