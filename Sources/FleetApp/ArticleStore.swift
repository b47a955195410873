import PostgresClient

/// The SQL of the item API and of `fleet-app seed`. Each item statement runs `pg_sleep`
/// inside itself, so the request's cost is on the database and keeps its connection busy.
enum ArticleStore {
    /// One row always: `pg_sleep` runs once as the outer side of the join, and the article's
    /// columns are NULL when no article has the id.
    static let selectSQL = """
        SELECT articles.id, articles.title, articles.body
        FROM (SELECT pg_sleep($2::float8)) AS pause
        LEFT JOIN articles ON articles.id = $1::int
        """

    /// `pg_sleep` in FROM returns one row, so exactly one article is inserted.
    static let insertSQL = """
        INSERT INTO articles (title, body)
        SELECT $1, $2 FROM pg_sleep($3::float8)
        RETURNING id
        """

    static let createTableSQL = """
        CREATE TABLE IF NOT EXISTS articles (
            id serial PRIMARY KEY,
            title text NOT NULL,
            body text NOT NULL
        )
        """

    /// An article as stored.
    struct Article: Equatable {
        var id: Int
        var title: String
        var body: String
    }

    static func find(id: Int, sleepSeconds: Double, on connection: PostgresConnection) throws(PostgresError)
        -> Article?
    {
        let result = try connection.query(selectSQL, [String(id), String(sleepSeconds)])
        guard let idText = result.value("id", row: 0), let foundID = Int(idText) else { return nil }
        return Article(
            id: foundID,
            title: result.value("title", row: 0) ?? "",
            body: result.value("body", row: 0) ?? ""
        )
    }

    /// Inserts an article and returns its new id.
    static func insert(
        title: String,
        body: String,
        sleepSeconds: Double,
        on connection: PostgresConnection
    ) throws(PostgresError) -> Int {
        let result = try connection.query(insertSQL, [title, body, String(sleepSeconds)])
        guard let idText = result.value("id", row: 0), let id = Int(idText) else {
            throw PostgresError(sqlState: nil, message: "INSERT INTO articles returned no id")
        }
        return id
    }

    /// Creates the `articles` table if absent and inserts numbered articles until it has
    /// `count` rows. Returns the number of rows inserted.
    @discardableResult
    static func seed(count: Int, on connection: PostgresConnection) throws(PostgresError) -> Int {
        try connection.simpleQuery(createTableSQL)
        let existing = Int(try connection.query("SELECT count(*) AS n FROM articles").value("n", row: 0) ?? "0") ?? 0
        guard existing < count else { return 0 }
        let sql = """
            INSERT INTO articles (title, body)
            SELECT 'Article ' || n, 'Body of article ' || n || ', seeded for the fleet app.'
            FROM generate_series($1::int, $2::int) AS n
            """
        try connection.query(sql, [String(existing + 1), String(count)])
        return count - existing
    }
}
