import BalancerCore
import Crypto
import Foundation
import NIOSSL
import X509

/// One `{cert:, key:}` pair read from disk: the chain and key as BoringSSL serves them, and the facts the checks and
/// the status page need (names, validity, key type), read with swift-certificates.
///
/// Read once per load or reload, off the event loops; a handshake only uses the parsed objects.
struct CertificatePair: Sendable {
    let files: CertificateFiles
    let chain: [NIOSSLCertificate]
    let key: NIOSSLPrivateKey
    let facts: CertificateFacts
    /// SHA-256 of both files' bytes: a reload reuses a listener's TLS context (and its session-ticket keys) when no
    /// file of it changed.
    let digest: [UInt8]

    /// Why a pair could not be read; the message names the file and what to do.
    struct LoadError: Error, CustomStringConvertible {
        var message: String
        var description: String { message }
    }

    static func load(_ files: CertificateFiles) throws(LoadError) -> CertificatePair {
        let certBytes = try read(files.cert, what: "certificate")
        let keyBytes = try read(files.key, what: "key")
        let chain: [NIOSSLCertificate]
        let leaf: Certificate
        do {
            chain = try NIOSSLCertificate.fromPEMBytes(certBytes)
            guard let first = chain.first else { throw LoadError(message: "") }
            leaf = try Certificate(derEncoded: try first.toDERBytes())
        } catch {
            throw LoadError(message: "\(files.cert) holds no PEM certificate (BEGIN CERTIFICATE); give the "
                + "certificate chain, leaf first (fullchain.pem)")
        }
        let key: NIOSSLPrivateKey
        let privateKey: Certificate.PrivateKey
        do {
            key = try NIOSSLPrivateKey(bytes: keyBytes, format: .pem)
            privateKey = try Self.privateKey(pem: String(decoding: keyBytes, as: UTF8.self))
        } catch {
            throw LoadError(message: "\(files.key) holds no unencrypted PEM private key (RSA, ECDSA P-256/P-384/"
                + "P-521 or Ed25519); give the key file of the certificate (privkey.pem)")
        }
        let facts = CertificateFacts(
            names: names(of: leaf),
            notBefore: leaf.notValidBefore,
            notAfter: leaf.notValidAfter,
            keyMatches: privateKey.publicKey == leaf.publicKey,
            keyType: keyType(leaf.publicKey)
        )
        var hash = SHA256()
        hash.update(data: certBytes)
        hash.update(data: keyBytes)
        return CertificatePair(files: files, chain: chain, key: key, facts: facts, digest: Array(hash.finalize()))
    }

    private static func read(_ path: String, what: String) throws(LoadError) -> [UInt8] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw LoadError(message: "\(path): no such \(what) file")
        }
        guard !isDirectory.boolValue, let data = FileManager.default.contents(atPath: path) else {
            throw LoadError(message: "\(path): the \(what) file cannot be read; check that this user may read it")
        }
        return Array(data)
    }

    /// The key among the PEM blocks of a key file (`openssl ecparam -genkey` writes `EC PARAMETERS` first).
    private static func privateKey(pem: String) throws -> Certificate.PrivateKey {
        guard let begin = pem.range(of: "-----BEGIN [A-Z ]*PRIVATE KEY-----", options: .regularExpression),
            let end = pem.range(of: "-----END [A-Z ]*PRIVATE KEY-----", options: .regularExpression,
                range: begin.upperBound..<pem.endIndex)
        else { throw LoadError(message: "no private key") }
        return try Certificate.PrivateKey(pemEncoded: String(pem[begin.lowerBound..<end.upperBound]))
    }

    /// DNS names of the subject alternative names, else the subject's common name, lower-cased.
    static func names(of certificate: Certificate) -> [String] {
        let alternative = (try? certificate.extensions.subjectAlternativeNames)??.compactMap { name -> String? in
            if case .dnsName(let dns) = name { return dns.lowercased() }
            return nil
        } ?? []
        if !alternative.isEmpty { return alternative }
        return certificate.subject.flatMap { $0 }
            .filter { $0.type == .RDNAttributeType.commonName }
            .compactMap { String($0.value)?.lowercased() }
    }

    /// `ECDSA P-256`, `RSA 2048`, `Ed25519`.
    static func keyType(_ key: Certificate.PublicKey) -> String {
        let text = key.description.replacingOccurrences(of: ".PublicKey", with: "")
        switch text {
        case "P256": return "ECDSA P-256"
        case "P384": return "ECDSA P-384"
        case "P521": return "ECDSA P-521"
        default: return text.hasPrefix("RSA") ? "RSA " + text.dropFirst(3) : text
        }
    }
}
