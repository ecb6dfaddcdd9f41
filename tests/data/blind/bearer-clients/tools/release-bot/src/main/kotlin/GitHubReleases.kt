import io.ktor.client.*
import io.ktor.client.engine.cio.*
import io.ktor.client.request.*
import io.ktor.client.statement.*

suspend fun latestRelease(repo: String): String {
    val client = HttpClient(CIO)
    return client.use {
        it.get("https://api.github.com/repos/$repo/releases/latest") {
            bearerAuth(System.getenv("GITHUB_TOKEN"))
            header("Accept", "application/vnd.github+json")
        }.bodyAsText()
    }
}
