package com.acme.reports

import io.ktor.client.*
import io.ktor.client.call.*
import io.ktor.client.engine.cio.*
import io.ktor.client.request.*
import io.ktor.http.*

class AutypeApi(private val client: HttpClient = HttpClient(CIO)) {

    private val apiKey: String = System.getenv("AUTYPE_API_KEY")
        ?: error("AUTYPE_API_KEY is not set")

    suspend fun render(templateId: String, json: String): ByteArray =
        client.post("https://api.autype.com/api/v1/dev/documents/render") {
            bearerAuth(apiKey)
            contentType(ContentType.Application.Json)
            setBody("""{"templateId":"$templateId","data":$json}""")
        }.body()
}
