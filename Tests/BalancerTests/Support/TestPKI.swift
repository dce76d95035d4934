import Crypto
import Foundation
import X509
import _CryptoExtras

/// A throwaway certificate authority for TLS tests: it writes PEM files into a temporary directory of its own and
/// signs leaf certificates for the names and validity a test asks for. Nothing is committed: every key is made at
/// test time and removed with the directory.
final class TestPKI: @unchecked Sendable {
    enum KeyKind {
        case p256
        case rsa2048
    }

    let directory: URL
    /// The authority's certificate, for clients' trust (`curl --cacert`, `openssl s_client -CAfile`).
    let caPath: String
    private let caKey: P256.Signing.PrivateKey
    private let caName: DistinguishedName

    init() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("pki-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        caKey = P256.Signing.PrivateKey()
        caName = try DistinguishedName { CommonName("Balancer Test CA") }
        let now = Date()
        let ca = try Certificate(
            version: .v3,
            serialNumber: Certificate.SerialNumber(),
            publicKey: .init(caKey.publicKey),
            notValidBefore: now.addingTimeInterval(-3600),
            notValidAfter: now.addingTimeInterval(86_400 * 365),
            issuer: caName,
            subject: caName,
            signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.isCertificateAuthority(maxPathLength: nil))
                Critical(KeyUsage(keyCertSign: true))
            },
            issuerPrivateKey: .init(caKey))
        caPath = directory.appendingPathComponent("ca.pem").path
        try ca.serializeAsPEM().pemString.write(toFile: caPath, atomically: true, encoding: .utf8)
    }

    /// Writes `<file>.pem` (leaf, then the authority: a full chain) and `<file>.key` for `names`, valid from
    /// `validFrom` to `validUntil` days from now; returns their paths.
    @discardableResult
    func issue(
        _ names: [String],
        file: String,
        key kind: KeyKind = .p256,
        validFrom: Double = -1,
        validUntil: Double = 90
    ) throws -> (cert: String, key: String) {
        let publicKey: Certificate.PublicKey
        let keyPEM: String
        switch kind {
        case .p256:
            let key = P256.Signing.PrivateKey()
            publicKey = .init(key.publicKey)
            keyPEM = key.pemRepresentation
        case .rsa2048:
            let key = try _RSA.Signing.PrivateKey(keySize: .bits2048)
            publicKey = .init(key.publicKey)
            keyPEM = key.pemRepresentation
        }
        let now = Date()
        let leaf = try Certificate(
            version: .v3,
            serialNumber: Certificate.SerialNumber(),
            publicKey: publicKey,
            notValidBefore: now.addingTimeInterval(validFrom * 86_400),
            notValidAfter: now.addingTimeInterval(validUntil * 86_400),
            issuer: caName,
            subject: try DistinguishedName { CommonName(names.first ?? "test") },
            signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.notCertificateAuthority)
                SubjectAlternativeNames(names.map { GeneralName.dnsName($0) })
            },
            issuerPrivateKey: .init(caKey))
        let certPath = directory.appendingPathComponent("\(file).pem").path
        let keyPath = directory.appendingPathComponent("\(file).key").path
        let chain = try leaf.serializeAsPEM().pemString + "\n" + String(contentsOfFile: caPath, encoding: .utf8)
        try chain.write(toFile: certPath, atomically: true, encoding: .utf8)
        try keyPEM.write(toFile: keyPath, atomically: true, encoding: .utf8)
        return (certPath, keyPath)
    }

    func remove() {
        try? FileManager.default.removeItem(at: directory)
    }
}
