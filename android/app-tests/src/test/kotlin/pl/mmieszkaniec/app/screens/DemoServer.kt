package pl.mmieszkaniec.app.screens

import java.io.File
import java.net.URI
import java.net.http.HttpClient
import java.net.http.HttpRequest
import java.net.http.HttpResponse
import java.nio.file.Files
import java.util.concurrent.TimeUnit

/**
 * A real `mm-server --demo` on an ephemeral loopback port in its own temp
 * data dir (as the core module's `TestServer`). The binary comes from the
 * `mm.server.bin` system property, which Surefire sets.
 */
class DemoServer private constructor(
    private val process: Process,
    val url: String,
    val dir: File,
    /** Every line the server printed (the demo's activation code among them). */
    private val output: java.util.concurrent.CopyOnWriteArrayList<String>,
) : AutoCloseable {

    private val http: HttpClient = HttpClient.newHttpClient()

    /** `mm-server user add` on this server's database: an official's account. */
    fun addUser(login: String, role: String, password: String) {
        val p = ProcessBuilder(bin().path, "user", "add", "--login", login, "--role", role, "--password-stdin", "--data-dir", dir.path)
            .redirectErrorStream(true).start()
        p.outputStream.bufferedWriter().use { it.write(password + "\n") }
        val out = p.inputStream.bufferedReader().readText()
        check(p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0) { "user add failed: $out" }
    }

    /** An official's session token, as the back office's API gives it. */
    fun login(login: String, password: String): String {
        val r = post("/api/v1/auth/login", """{"login":"$login","password":"$password"}""")
        check(r.statusCode() == 200) { "login: ${r.statusCode()} ${r.body()}" }
        return checkNotNull(Regex("\"token\"\\s*:\\s*\"([^\"]+)\"").find(r.body())).groupValues[1]
    }

    fun post(path: String, json: String, token: String? = null): HttpResponse<String> {
        val b = HttpRequest.newBuilder(URI.create(url + path))
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(json))
        if (token != null) b.header("Authorization", "Bearer $token")
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString())
    }

    fun get(path: String): HttpResponse<String> =
        http.send(HttpRequest.newBuilder(URI.create(url + path)).GET().build(), HttpResponse.BodyHandlers.ofString())

    /** Stops the server (SIGTERM, then SIGKILL after 10 s) and deletes its data. */
    override fun close() {
        stop()
        dir.deleteRecursively()
    }

    /** Stops the server and keeps its data: [restart] brings it back on the same address. */
    fun stop() {
        process.destroy()
        if (!process.waitFor(10, TimeUnit.SECONDS)) process.destroyForcibly().waitFor()
    }

    fun restart(): DemoServer = start(addr = url.removePrefix("http://"), dir = dir)

    /**
     * The activation code the demo prints to try the taxes with (issue 14:
     * `XXXX-XXXX-XXXX`, `mm_protocol::taxes::activation::format_code`);
     * waits up to [timeoutMs] for it. One-time: a second link with it fails.
     */
    fun activationCode(timeoutMs: Long = 20_000): String {
        val deadline = System.nanoTime() + timeoutMs * 1_000_000
        while (true) {
            output.firstNotNullOfOrNull { ACTIVATION_CODE.find(it)?.value }?.let { return it }
            check(System.nanoTime() < deadline) { "the demo printed no activation code:\n" + output.joinToString("\n") }
            Thread.sleep(50)
        }
    }

    /** The one-time codes the demo's `--sms log` gateway printed (the budget's SMS step), oldest first. */
    fun smsCodes(): List<String> = output.mapNotNull { SMS_CODE.find(it)?.groupValues?.get(1) }

    /** Waits up to [timeoutMs] for the code after the first [seen] ones. */
    fun nextSmsCode(seen: Int, timeoutMs: Long = 20_000): String {
        val deadline = System.nanoTime() + timeoutMs * 1_000_000
        while (true) {
            smsCodes().getOrNull(seen)?.let { return it }
            check(System.nanoTime() < deadline) { "the demo printed no SMS code" }
            Thread.sleep(50)
        }
    }

    companion object {
        private val SMS_CODE = Regex("""Kod do głosowania w budżecie obywatelskim: (\d+)""")
        private val LISTENING = Regex("""mm-server listening on (http://\S+)""")
        private val ACTIVATION_CODE = Regex("""\b[A-HJKMNP-Z2-9]{4}-[A-HJKMNP-Z2-9]{4}-[A-HJKMNP-Z2-9]{4}\b""")

        /**
         * Reads a pipe of the server to its end. A stopped server's pipe may
         * be closed under the reader (the JDK's process reaper closes it when
         * the process exits): that is the end too, not a crash of the app.
         */
        private fun drain(read: () -> Unit) {
            try {
                read()
            } catch (closed: java.io.IOException) {
                // Nothing more will come.
            }
        }

        private fun bin() = File(System.getProperty("mm.server.bin") ?: "../../target/debug/mm-server")

        /** [neighbour]: the demo's second gmina too (Czernica, `--demo-neighbour`). */
        fun start(
            addr: String = "127.0.0.1:0",
            dir: File = Files.createTempDirectory("mm-server-robo-").toFile(),
            neighbour: Boolean = false,
        ): DemoServer {
            val bin = bin()
            check(bin.canExecute()) { "mm-server not found at ${bin.absolutePath}: run `cargo build --workspace`" }
            val args = listOf(bin.path, "--addr", addr, "--data-dir", dir.path, "--demo") +
                (if (neighbour) listOf("--demo-neighbour") else emptyList())
            val process = ProcessBuilder(args)
                .start()
            val out = process.inputStream.bufferedReader()
            val lines = java.util.concurrent.CopyOnWriteArrayList<String>()
            // stderr (the log, and the demo's notes: its activation code) is
            // drained whole; only the codes' lines are kept (the activation
            // code, the budget's SMS codes).
            Thread({
                drain { process.errorStream.bufferedReader().useLines { log -> log.filter { ACTIVATION_CODE.containsMatchIn(it) || SMS_CODE.containsMatchIn(it) }.forEach { lines += it } } }
            }, "mm-server-stderr").apply {
                isDaemon = true
                start()
            }
            val deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60)
            while (System.nanoTime() < deadline) {
                val line = out.readLine() ?: break
                lines += line
                val m = LISTENING.find(line) ?: continue
                // Keep draining stdout so the server never blocks on a full pipe.
                Thread({ drain { out.useLines { rest -> rest.forEach { lines += it } } } }, "mm-server-stdout").apply {
                    isDaemon = true
                    start()
                }
                return DemoServer(process, m.groupValues[1], dir, lines)
            }
            process.destroyForcibly()
            dir.deleteRecursively()
            error("mm-server did not report its address (exit: ${if (process.isAlive) "running" else process.exitValue()})")
        }
    }
}
