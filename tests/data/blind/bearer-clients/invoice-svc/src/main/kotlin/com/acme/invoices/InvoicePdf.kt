package com.acme.invoices

import okhttp3.MediaType.Companion.toMediaType
import okhttp3.OkHttpClient
import okhttp3.Request
import okhttp3.RequestBody.Companion.toRequestBody

private val autypeKey = System.getenv("AUTYPE_API_KEY").orEmpty()
private val http = OkHttpClient()

fun renderInvoicePdf(invoiceJson: String): ByteArray {
    val request = Request.Builder()
        .url("https://api.autype.com/api/v1/dev/documents/render")
        .addHeader("Authorization", "Bearer $autypeKey")
        .post(invoiceJson.toRequestBody("application/json".toMediaType()))
        .build()
    http.newCall(request).execute().use { resp ->
        check(resp.isSuccessful) { "Autype render failed: ${resp.code}" }
        return resp.body!!.bytes()
    }
}
