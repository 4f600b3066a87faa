package pl.mmieszkaniec.app.screens

import android.app.Activity
import android.content.Intent
import android.graphics.Bitmap
import android.graphics.Canvas
import android.os.Looper
import android.view.View
import android.view.ViewGroup
import android.widget.EditText
import android.widget.TextView
import kotlinx.coroutines.runBlocking
import org.junit.After
import org.junit.AfterClass
import org.junit.Before
import org.junit.BeforeClass
import org.junit.runner.RunWith
import org.robolectric.Robolectric
import org.robolectric.RobolectricTestRunner
import org.robolectric.RuntimeEnvironment
import org.robolectric.Shadows.shadowOf
import org.robolectric.android.controller.ActivityController
import org.robolectric.annotation.Config
import org.robolectric.annotation.GraphicsMode
import pl.mmieszkaniec.app.ui.MmApplication
import java.io.File
import java.time.Duration
import kotlin.test.fail

/** The demo's first gmina (Siechnice). */
const val DEMO_GMINA = "0223083"

/**
 * Base of the screen tests: the app's own Activities under Robolectric
 * (Android 16, native graphics), on the real core library, against one real
 * `mm-server --demo` per test class.
 *
 * The app is pointed at the server the way a resident would do it in
 * Settings: the core stores the address (`setServerUrl`) before the first
 * screen opens, so the app needs no test-only code path.
 *
 * Time: the screens collect state on `MainScope()` (the main looper, which
 * Robolectric runs on the test thread and only when told to), while the core
 * works on `Dispatchers.IO` and on its own threads. [waitUntil] therefore
 * alternates "run what is queued on the main looper" with a short real
 * sleep, until what a person would wait for is on screen.
 */
@RunWith(RobolectricTestRunner::class)
@GraphicsMode(GraphicsMode.Mode.NATIVE)
// A 411×891 dp phone at 420 dpi would give 1080×2340 px images; xhdpi keeps
// the PNGs small and the text legible. Polish first, as the app is.
@Config(qualifiers = "pl-rPL-w400dp-h860dp-xhdpi")
abstract class ScreenTest {

    /** This class's demo server. */
    protected val server: DemoServer get() = checkNotNull(running) { "the demo server is not running" }

    protected val app: MmApplication get() = RuntimeEnvironment.getApplication() as MmApplication
    private val launched = mutableListOf<ActivityController<*>>()

    /** The activity on top: the last one launched. */
    protected val current: Activity get() = launched.last().get() as Activity

    /**
     * What a screen threw outside the test's own call stack: a coroutine on
     * `MainScope()` or `Dispatchers.IO` that fails ends in the thread's
     * uncaught-exception handler (on a phone: the app crashes). Here it fails
     * the test at the next wait, and at the latest when the test ends.
     */
    private val crashes = java.util.concurrent.ConcurrentLinkedQueue<Throwable>()
    private var previousHandler: Thread.UncaughtExceptionHandler? = null

    /**
     * Robolectric's manifest parser drops `android:enableOnBackInvokedCallback`
     * (the platform's parser sets it on ApplicationInfo), so without this the
     * window would ignore the screens' OnBackInvokedCallbacks. Set from the
     * app's own manifest, so removing the attribute there fails the Back tests.
     */
    @Before
    fun predictiveBackAsTheManifestSays() {
        val manifest = File(System.getProperty("mm.app.manifest") ?: "../app/src/main/AndroidManifest.xml").readText()
        if (!Regex("""android:enableOnBackInvokedCallback\s*=\s*"true"""").containsMatchIn(manifest)) return
        app.applicationInfo.javaClass.getMethod("setEnableOnBackInvokedCallback", Boolean::class.javaPrimitiveType)
            .invoke(app.applicationInfo, true)
    }

    @Before
    fun catchCrashes() {
        previousHandler = Thread.getDefaultUncaughtExceptionHandler()
        Thread.setDefaultUncaughtExceptionHandler { _, e -> crashes += e }
    }

    /**
     * Opens the core as the first screen would, pointed at the server and
     * with the demo's first gmina chosen, as a resident would have done in
     * Settings and on the gmina picker; a test of the launch itself (or of
     * the picker) overrides this.
     */
    @Before
    open fun pointTheAppAtTheServer() {
        runBlocking {
            app.repository.setServerUrl(server.url)
            app.repository.chooseGmina(DEMO_GMINA)
        }
    }

    @After
    fun closeScreensAndCore() {
        try {
            // Top first; a screen below is already paused and stopped.
            launched.asReversed().forEachIndexed { i, c ->
                runCatching { if (i == 0) c.pause().stop().destroy() else c.destroy() }
            }
            launched.clear()
            idleMain()
            // Opened by the test or its screens; not opened now if it could not be.
            if (app.openFailure == null) app.repository.close()
            failOnCrash()
        } finally {
            Thread.setDefaultUncaughtExceptionHandler(previousHandler)
        }
    }

    private fun failOnCrash() {
        val first = crashes.poll() ?: return
        crashes.forEach(first::addSuppressed)
        crashes.clear()
        throw AssertionError("the app crashed: $first", first)
    }

    // ---- launching ----

    /** Opens [activity] as the launcher would: created, started, resumed, visible. */
    protected fun <A : Activity> launch(activity: Class<A>, intent: Intent? = null): A {
        val i = (intent ?: Intent()).setClass(app, activity)
        val controller = Robolectric.buildActivity(activity, i).setup()
        launched += controller
        idleMain()
        return controller.get()
    }

    /**
     * The Activity that the last click asked the system to start, launched
     * as the system would: it must be [expected], with the intent the app built.
     */
    protected fun <A : Activity> followTo(expected: Class<A>): A {
        val started = shadowOf(app).nextStartedActivity
            ?: fail("no Activity was started (expected ${expected.simpleName})")
        check(started.component?.className == expected.name) {
            "started ${started.component?.className}, expected ${expected.name}"
        }
        // The system's order: the old screen pauses, the new one comes up, the old one stops.
        val below = launched.lastOrNull()
        below?.pause()
        val opened = launch(expected, started)
        below?.stop()
        idleMain()
        return opened
    }

    /**
     * Leaves the screen on top as the system Back does when the screen has
     * no step to go back to: it finishes, and the one below comes back
     * (restarted, resumed). Returns that one.
     */
    protected fun leaveScreen(): Activity {
        val top = launched.removeAt(launched.lastIndex)
        (top.get() as Activity).finish()
        top.pause().stop().destroy()
        val below = launched.last()
        below.restart().resume()
        idleMain()
        return below.get() as Activity
    }

    /**
     * The screen on top goes to the background (another app's screen, a
     * browser, over it) and comes back, as the system does it: paused,
     * stopped, restarted, resumed.
     */
    protected fun awayAndBack() {
        val top = launched.last()
        top.pause().stop()
        idleMain()
        top.restart().resume()
        idleMain()
    }

    /**
     * Turns the phone (portrait ↔ landscape): the framework destroys the
     * screen and creates it again, handing over what it retains, as a
     * rotation does on a device. Returns the new instance.
     */
    protected fun rotate(): Activity {
        val controller = launched.last()
        val landscape = app.resources.configuration.orientation == android.content.res.Configuration.ORIENTATION_LANDSCAPE
        RuntimeEnvironment.setQualifiers(if (landscape) "+port" else "+land")
        controller.configurationChange(app.resources.configuration)
        // Robolectric resumes the new instance but leaves its window unattached.
        if (!(controller.get() as Activity).window.decorView.isAttachedToWindow) controller.visible()
        idleMain()
        return controller.get() as Activity
    }

    /** What the app asks the system to open next (another app's screen), waited for; a failure if nothing comes. */
    protected fun nextStartedIntent(what: String): Intent {
        waitUntil("an Activity to be started ($what)") { shadowOf(app).peekNextStartedActivity() != null }
        return shadowOf(app).nextStartedActivity
    }

    /**
     * The file a share sheet carries: the next started chooser's `ACTION_SEND`
     * of [type] and its `EXTRA_STREAM`, read as the receiving app would.
     */
    protected fun sharedFile(what: String, type: String): String {
        val chooser = nextStartedIntent(what)
        kotlin.test.assertEquals(Intent.ACTION_CHOOSER, chooser.action)
        @Suppress("DEPRECATION")
        val send = chooser.getParcelableExtra<Intent>(Intent.EXTRA_INTENT)!!
        kotlin.test.assertEquals(type, send.type)
        @Suppress("DEPRECATION")
        val file = send.getParcelableExtra<android.net.Uri>(Intent.EXTRA_STREAM)!!
        return app.contentResolver.openInputStream(file)!!.use { it.readBytes().decodeToString() }
    }

    /**
     * The system Back (gesture or button) on the current screen, as the
     * system delivers it to an app with `enableOnBackInvokedCallback`: from
     * API 33 to the top [android.window.OnBackInvokedCallback] the screen
     * registered (none: the system would close the screen, so it fails
     * here: the test expected a step back); before 33 through onBackPressed.
     */
    protected fun pressBack() {
        if (android.os.Build.VERSION.SDK_INT >= 33) {
            val callback = topBackCallback() ?: fail("no OnBackInvokedCallback registered: Back would leave ${current.javaClass.simpleName}")
            callback.onBackInvoked()
        } else {
            @Suppress("DEPRECATION")
            current.onBackPressed()
        }
        idleMain()
    }

    /**
     * The callback Back goes to now, if the screen registered one: the
     * window's dispatcher's (hidden) `getTopCallback`, or, before the window
     * has one, the last callback the Activity's proxy holds for it. The
     * framework's own fallback (which closes the screen) does not count.
     */
    protected fun topBackCallback(): android.window.OnBackInvokedCallback? {
        val proxy = current.onBackInvokedDispatcher
        fun field(name: String): Any? = generateSequence<Class<*>>(proxy.javaClass) { it.superclass }
            .firstNotNullOfOrNull { c -> runCatching { c.getDeclaredField(name) }.getOrNull() }
            ?.apply { isAccessible = true }?.get(proxy)
        val actual = field("mActualDispatcher") ?: proxy
        val top = runCatching { actual.javaClass.getMethod("getTopCallback").invoke(actual) as android.window.OnBackInvokedCallback? }
            .getOrElse {
                @Suppress("UNCHECKED_CAST")
                (field("mCallbacks") as? List<android.util.Pair<android.window.OnBackInvokedCallback, Int>>)?.lastOrNull()?.first
            }
        return top?.takeIf { it.javaClass.name.startsWith("pl.mmieszkaniec.") }
    }

    /** Whether the window routes Back to OnBackInvokedCallbacks (the manifest's `enableOnBackInvokedCallback`). */
    protected fun predictiveBackEnabled(): Boolean =
        Class.forName("android.window.WindowOnBackInvokedDispatcher")
            .getMethod("isOnBackInvokedCallbackEnabled", android.content.Context::class.java)
            .invoke(null, current) as Boolean

    // ---- waiting ----

    protected fun idleMain() = shadowOf(Looper.getMainLooper()).idle()

    /**
     * Runs [block] (a call to the repository) on a background thread while the
     * main looper keeps running. A `runBlocking` on the main thread can wait
     * for ever: the screen's own coroutine (Home's sync on launch) may hold
     * what [block] needs until the main thread runs it again.
     */
    protected fun <T> offMain(timeoutMs: Long = 60_000, block: suspend () -> T): T {
        val future = java.util.concurrent.CompletableFuture.supplyAsync { runBlocking { block() } }
        waitUntil("a call to the core", timeoutMs) { future.isDone }
        return try {
            future.get()
        } catch (e: java.util.concurrent.ExecutionException) {
            throw e.cause ?: e
        }
    }

    /** Runs the main looper until [condition] holds; fails after [timeoutMs] with what is on screen. */
    protected fun waitUntil(what: String, timeoutMs: Long = 20_000, condition: () -> Boolean) {
        val deadline = System.nanoTime() + timeoutMs * 1_000_000
        while (true) {
            // The main looper's clock moves with the real one, so a screen's
            // delay (the search's pause in typing) ends as it would on a phone.
            shadowOf(Looper.getMainLooper()).idleFor(Duration.ofMillis(10))
            failOnCrash()
            if (condition()) return
            if (System.nanoTime() > deadline) fail("timed out waiting for $what; on screen: ${screenText()}")
            Thread.sleep(10)
        }
    }

    /** Waits until a view reading [text] (its text or content description) is shown, and returns it. */
    protected fun waitFor(text: String, exact: Boolean = false, timeoutMs: Long = 20_000): View {
        var found: View? = null
        waitUntil("\"$text\"", timeoutMs) { found = findView(text, exact); found != null }
        return found!!
    }

    // ---- finding and clicking, by what a person sees or TalkBack reads ----

    protected val root: View get() = current.window.decorView

    /** Every view shown on the current screen, depth first. */
    protected fun shownViews(from: View = root): List<View> {
        val out = mutableListOf<View>()
        fun walk(v: View) {
            if (!v.isShown) return
            out += v
            if (v is ViewGroup) for (i in 0 until v.childCount) walk(v.getChildAt(i))
        }
        walk(from)
        return out
    }

    /** What the view says: its text, or its content description. */
    protected fun View.reads(): List<String> = listOfNotNull(
        (this as? TextView)?.text?.toString(),
        contentDescription?.toString(),
        (this as? TextView)?.hint?.toString(),
    ).filter { it.isNotBlank() }

    protected fun findView(text: String, exact: Boolean = false): View? =
        shownViews().firstOrNull { v -> v.reads().any { if (exact) it == text else it.contains(text) } }

    /**
     * Clicks what reads [text], as a finger would: the nearest clickable view
     * that holds it (a row's title is inside the clickable row). Headings and
     * other plain text reading the same are skipped.
     */
    protected fun click(text: String, exact: Boolean = false) {
        var target: View? = null
        waitUntil("something clickable reading \"$text\"") {
            target = shownViews()
                .filter { v -> v.reads().any { if (exact) it == text else it.contains(text) } }
                .firstNotNullOfOrNull { v -> generateSequence(v) { it.parent as? View }.firstOrNull { it.isClickable } }
            target != null
        }
        val t = target!!
        check(t.isEnabled) { "\"$text\" is disabled" }
        // performClick() is false for a view without a click listener, such as a
        // RadioButton that only toggles: what the click did is checked on screen.
        t.performClick()
        idleMain()
    }

    /** Types into the field labelled (hint, description or `labelFor`) [label]. */
    protected fun type(label: String, text: String) {
        val field = shownViews().filterIsInstance<EditText>().firstOrNull { f ->
            f.reads().any { it.contains(label) } || labelOf(f)?.contains(label) == true
        } ?: fail("no field labelled \"$label\"; on screen: ${screenText()}")
        field.requestFocus()
        field.setText(text)
        idleMain()
    }

    /** The text of the view whose `labelFor` names [field]. */
    protected fun labelOf(field: View): String? =
        shownViews().filterIsInstance<TextView>().firstOrNull { it.labelFor != View.NO_ID && it.labelFor == field.id }?.text?.toString()

    protected fun screenText(): String =
        shownViews().flatMap { it.reads() }.distinct().joinToString(" | ", "[", "]")

    // ---- screenshots ----

    /** Scrolls the screen so that [view] is at the top, as a finger would before looking at it. */
    protected fun scrollToTop(view: View) {
        var y = 0
        var v: View = view
        while (true) {
            val parent = v.parent as? View ?: return
            y += v.top
            if (parent is android.widget.ScrollView) {
                parent.scrollTo(0, y)
                idleMain()
                return
            }
            v = parent
        }
    }

    /**
     * Draws the whole window (action bar and content, as the screen shows it)
     * with the native graphics runtime and saves it as
     * `docs/screenshots/android/<name>.png`.
     */
    protected fun screenshot(name: String): File {
        idleMain()
        val view = root
        check(view.width > 0 && view.height > 0) { "the window is not laid out" }
        val bitmap = Bitmap.createBitmap(view.width, view.height, Bitmap.Config.ARGB_8888)
        view.draw(Canvas(bitmap))
        val dir = File(System.getProperty("mm.screenshots.dir") ?: "target/screenshots").apply { mkdirs() }
        val file = File(dir, "$name.png")
        file.outputStream().use { check(bitmap.compress(Bitmap.CompressFormat.PNG, 100, it)) { "PNG encoding failed" } }
        bitmap.recycle()
        return file
    }

    companion object {
        private var running: DemoServer? = null

        @JvmStatic
        @BeforeClass
        fun startServer() {
            running = DemoServer.start()
        }

        @JvmStatic
        @AfterClass
        fun stopServer() {
            running?.close()
            running = null
        }
    }
}
