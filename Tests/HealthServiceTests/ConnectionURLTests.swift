import XCTest

@testable import HealthService

/// `DATABASE_URL` in its three spellings and `REDIS_URL` with password and database.
final class ConnectionURLTests: XCTestCase {
    func testAllThreePostgresSchemesParseAlike() throws {
        for scheme in ["postgresql", "postgres", "postgresql+asyncpg", "POSTGRESQL"] {
            let settings = try PostgresSettings(url: "\(scheme)://fruit:s3cret@db.internal:6543/pak")
            XCTAssertEqual(settings.host, "db.internal", scheme)
            XCTAssertEqual(settings.port, 6543, scheme)
            XCTAssertEqual(settings.user, "fruit", scheme)
            XCTAssertEqual(settings.password, "s3cret", scheme)
            XCTAssertEqual(settings.database, "pak", scheme)
        }
    }

    func testPostgresDefaultsAndPercentEncoding() throws {
        let bare = try PostgresSettings(url: "postgres://localhost")
        XCTAssertEqual(bare.port, 5432)
        XCTAssertNil(bare.user)
        XCTAssertNil(bare.password)
        XCTAssertNil(bare.database)

        let encoded = try PostgresSettings(url: "postgresql://app%40team:p%40ss%3Aw%2Frd@127.0.0.1/my%20db")
        XCTAssertEqual(encoded.user, "app@team")
        XCTAssertEqual(encoded.password, "p@ss:w/rd")
        XCTAssertEqual(encoded.database, "my db")

        let unencodedAt = try PostgresSettings(url: "postgresql://app:p@ss@127.0.0.1:5433/db")
        XCTAssertEqual(unencodedAt.password, "p@ss", "the last @ separates credentials from the host")
        XCTAssertEqual(unencodedAt.port, 5433)
    }

    func testPostgresIPv6AndQueryParameters() throws {
        let settings = try PostgresSettings(
            url: "postgresql+asyncpg://u:p@[::1]:5433/db?ssl=true&application_name=x&prepared_statement_cache_size=0")
        XCTAssertEqual(settings.host, "::1")
        XCTAssertEqual(settings.port, 5433)
        XCTAssertEqual(
            settings.parameters,
            [.init(key: "sslmode", value: "require"), .init(key: "application_name", value: "x")])
        XCTAssertEqual(settings.ignoredParameters, ["prepared_statement_cache_size"])
    }

    func testLibpqParametersCarryEveryPart() throws {
        let settings = try PostgresSettings(url: "postgresql://fruit:s3cret@db:6543/pak?sslmode=disable")
        let pairs = settings.libpqParameters(applicationName: "health-service-b1").map { "\($0.key)=\($0.value)" }
        XCTAssertEqual(
            pairs,
            [
                "host=db", "port=6543", "user=fruit", "password=s3cret", "dbname=pak",
                "application_name=health-service-b1", "sslmode=disable",
            ])
        XCTAssertFalse(settings.displayName.contains("s3cret"))
    }

    func testBadPostgresURLsAreRefusedWithoutEchoingThePassword() {
        for url in ["db.internal:5432", "mysql://u@h/d", "postgresql://u:pw@h:0/d", "postgresql://u:%zz@h/d",
            "postgresql://u:pw@h1:5432,h2:5432/d"]
        {
            XCTAssertThrowsError(try PostgresSettings(url: url), url) { error in
                XCTAssertEqual((error as? ConfigError)?.variable, "DATABASE_URL")
                XCTAssertFalse("\(error)".contains("pw@"), "\(error)")
            }
        }
        XCTAssertEqual(ConnectionURLParts.redacting("not-a-url://u:hunter2@h"), "not-a-url://u:***@h")
    }

    func testRedisURLWithPasswordUserAndDatabase() throws {
        let passwordOnly = try RedisSettings(url: "redis://:s3cret@cache.internal:6380/2")
        XCTAssertEqual(passwordOnly.host, "cache.internal")
        XCTAssertEqual(passwordOnly.port, 6380)
        XCTAssertNil(passwordOnly.username)
        XCTAssertEqual(passwordOnly.password, "s3cret")
        XCTAssertEqual(passwordOnly.database, 2)

        let withUser = try RedisSettings(url: "redis://app:p%40ss@10.0.0.5")
        XCTAssertEqual(withUser.username, "app")
        XCTAssertEqual(withUser.password, "p@ss")
        XCTAssertEqual(withUser.port, 6379)
        XCTAssertEqual(withUser.database, 0)

        XCTAssertEqual(try RedisSettings(url: "redis://h:1/?db=4").database, 4)
        XCTAssertEqual(try RedisSettings(url: "redis://[::1]:7000").host, "::1")
        XCTAssertFalse(passwordOnly.displayName.contains("s3cret"))
    }

    func testBadRedisURLs() {
        let urls = ["cache:6379", "http://cache", "redis://", "redis://cache:99999", "redis://cache/-1", "redis://c/x"]
        for url in urls {
            XCTAssertThrowsError(try RedisSettings(url: url), url) { error in
                XCTAssertEqual((error as? ConfigError)?.variable, "REDIS_URL", url)
            }
        }
    }
}
