package pl.mmieszkaniec.app

import java.net.URI
import java.net.URLEncoder
import java.net.http.HttpClient
import java.net.http.HttpRequest
import java.net.http.HttpResponse

/**
 * The payer in front of the sandbox gateway's page (`mm-server`'s built-in
 * Przelewy24 stand-in, `/sandbox/p24/trnRequest/{token}`): opens the page
 * the app was sent to and presses its "Zapłać" (or "Odrzuć") button, as a
 * browser submits an HTML form (hidden fields included), following the
 * redirect back to the return page.
 */
object SandboxPayer {
    private val http = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NORMAL).build()
    private val FORM = Regex("""<form\b([^>]*)>(.*?)</form>""", setOf(RegexOption.DOT_MATCHES_ALL, RegexOption.IGNORE_CASE))
    private val ATTR = { name: String -> Regex("""\b$name\s*=\s*"([^"]*)"""", RegexOption.IGNORE_CASE) }
    private val INPUT = Regex("""<input\b([^>]*)>""", RegexOption.IGNORE_CASE)
    private val BUTTON = Regex("""<button\b([^>]*)>(.*?)</button>""", setOf(RegexOption.DOT_MATCHES_ALL, RegexOption.IGNORE_CASE))

    /** Presses the button reading [button] on the page at [url]; returns the page it ends on. */
    fun press(url: String, button: String = "Zapłać"): HttpResponse<String> {
        val page = http.send(HttpRequest.newBuilder(URI.create(url)).GET().build(), HttpResponse.BodyHandlers.ofString())
        check(page.statusCode() == 200) { "the gateway's page: ${page.statusCode()} ${page.body()}" }
        val forms = FORM.findAll(page.body()).toList()
        val (attrs, inner) = forms.firstOrNull { f -> BUTTON.findAll(f.groupValues[2]).any { it.groupValues[2].contains(button) } }
            ?.let { it.groupValues[1] to it.groupValues[2] }
            ?: forms.firstOrNull { f -> INPUT.findAll(f.groupValues[2]).any { ATTR("value").find(it.groupValues[1])?.groupValues?.get(1)?.contains(button) == true } }
                ?.let { it.groupValues[1] to it.groupValues[2] }
            ?: error("no form with \"$button\" on the gateway's page:\n${page.body()}")
        val fields = INPUT.findAll(inner).mapNotNull { i ->
            val a = i.groupValues[1]
            val name = ATTR("name").find(a)?.groupValues?.get(1) ?: return@mapNotNull null
            val type = ATTR("type").find(a)?.groupValues?.get(1)?.lowercase()
            if (type == "submit" && ATTR("value").find(a)?.groupValues?.get(1)?.contains(button) != true) return@mapNotNull null
            name to (ATTR("value").find(a)?.groupValues?.get(1) ?: "")
        }.toMutableList()
        BUTTON.findAll(inner).firstOrNull { it.groupValues[2].contains(button) }?.let { b ->
            val name = ATTR("name").find(b.groupValues[1])?.groupValues?.get(1)
            if (name != null) fields += name to (ATTR("value").find(b.groupValues[1])?.groupValues?.get(1) ?: "")
        }
        val action = URI.create(url).resolve(unescape(ATTR("action").find(attrs)?.groupValues?.get(1) ?: url))
        val method = ATTR("method").find(attrs)?.groupValues?.get(1)?.uppercase() ?: "GET"
        val body = fields.joinToString("&") { (k, v) -> enc(unescape(k)) + "=" + enc(unescape(v)) }
        val request = if (method == "POST") {
            HttpRequest.newBuilder(action).header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build()
        } else {
            HttpRequest.newBuilder(URI.create(action.toString() + (if (action.query == null) "?" else "&") + body)).GET().build()
        }
        return http.send(request, HttpResponse.BodyHandlers.ofString())
    }

    private fun enc(s: String) = URLEncoder.encode(s, Charsets.UTF_8)
    private fun unescape(s: String) = s.replace("&amp;", "&").replace("&quot;", "\"").replace("&#39;", "'").replace("&lt;", "<").replace("&gt;", ">")
}
