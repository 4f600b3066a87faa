package pl.mmieszkaniec.app.ui

import android.app.Activity
import android.content.ActivityNotFoundException
import android.content.Context
import android.content.Intent
import android.graphics.Color
import android.graphics.Typeface
import android.os.Build
import android.os.Bundle
import android.util.TypedValue
import android.view.View
import android.view.ViewGroup
import android.view.WindowInsets
import android.view.WindowInsetsController
import android.view.WindowManager
import android.view.accessibility.AccessibilityNodeInfo
import android.widget.Button
import android.widget.LinearLayout
import android.widget.ScrollView
import android.widget.TextView
import android.window.OnBackInvokedCallback
import android.window.OnBackInvokedDispatcher
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.MainScope
import kotlinx.coroutines.SupervisorJob
import kotlinx.coroutines.cancel
import kotlinx.coroutines.flow.StateFlow
import kotlinx.coroutines.launch
import pl.mmieszkaniec.app.Repository
import pl.mmieszkaniec.app.UserError
import pl.mmieszkaniec.app.state.Load

/**
 * Framework views only (no AndroidX: CI cannot reach Google's Maven).
 * Accessibility rules every screen follows through these helpers:
 * text sizes in sp (they scale with the system font size), colours with a
 * contrast ratio of at least 4.5:1 (WCAG 2.1 AA), touch targets of 48 dp,
 * headings marked for TalkBack's heading navigation, rows read as one
 * sentence (contentDescription), errors announced (live regions), and an
 * explicit traversal order where the visual order is not the reading order.
 */
object Palette {
    /** #1A1A1A on white: 17.4:1. */
    val TEXT = Color.rgb(0x1A, 0x1A, 0x1A)
    /** #595959 on white: 7.0:1. */
    val SECONDARY = Color.rgb(0x59, 0x59, 0x59)
    /** White on #B00020: 7.3:1. */
    val ALERT_BG = Color.rgb(0xB0, 0x00, 0x20)
    /** #0B4F8A (links, buttons) on white: 8.4:1. */
    val ACCENT = Color.rgb(0x0B, 0x4F, 0x8A)
    val BACKGROUND = Color.WHITE
}

fun Context.dp(v: Int): Int = TypedValue.applyDimension(TypedValue.COMPLEX_UNIT_DIP, v.toFloat(), resources.displayMetrics).toInt()

/**
 * A view id derived from a name, the same in every instance of a screen, so
 * that the framework's own state saving (the text typed into a field, a
 * checkbox, the scroll position) comes back after a rotation. Above
 * `View.generateViewId()`'s range (below 0x01000000) and below aapt's
 * resource ids (0x7f…).
 */
fun stableId(name: String): Int = (name.hashCode() and 0x3EFFFFFF) or 0x01000000

/**
 * What outlives a configuration change (rotation, a font size or language
 * switch): the screen's state holders and the scope their work runs in. A
 * report being sent or a sync under way is not restarted by a rotation.
 */
class Retained {
    /** Runs the state holders' intents; cancelled when the screen is closed for good. */
    val scope: CoroutineScope = CoroutineScope(SupervisorJob() + Dispatchers.Main.immediate)
    private val holders = HashMap<String, Any>()

    @Suppress("UNCHECKED_CAST")
    fun <T : Any> holder(name: String, create: () -> T): T = holders.getOrPut(name, create) as T
}

/** Base of every screen: state kept across rotation, window insets, back within the screen. */
abstract class ScreenActivity : Activity() {
    /** Collects state for this instance's views; dies with it (a rotation makes a new one). */
    protected val scope: CoroutineScope = MainScope()
    private lateinit var retained: Retained

    /** Where the screen's work runs (loading, sending): survives a rotation. */
    protected val work: CoroutineScope get() = retained.scope

    /** True when this instance took its state holders over from the one before a rotation. */
    protected var restored: Boolean = false
        private set

    protected val repo: Repository get() = (application as MmApplication).repository
    protected lateinit var column: LinearLayout
    private lateinit var scroll: ScrollView

    /** The language the app's own texts are in: Polish unless the phone is set to English. */
    val language: String get() = resources.configuration.locales[0].language

    fun t(text: Text): String = text.of(language)

    /** False for the one screen that works without the core ([RecoveryActivity]). */
    protected open val needsCore: Boolean get() = true

    /**
     * False for the screens that work before a gmina is chosen (the picker,
     * Settings): the others show the gmina picker instead while the core
     * has none (a first start), whichever screen the system starts.
     */
    protected open val needsGmina: Boolean get() = needsCore

    /**
     * The screen's own setup, once the base (state kept across rotation,
     * insets, the problem line) is in place and the core is open.
     */
    protected abstract fun onCreateScreen(savedInstanceState: Bundle?)

    final override fun onCreate(savedInstanceState: Bundle?) {
        super.onCreate(savedInstanceState)
        // The core's storage is unusable: the recovery screen, not a crash
        // loop (whichever screen the system starts: launcher, notification, restore).
        if (needsCore && (application as MmApplication).openCore() == null) {
            startActivity(
                android.content.Intent(this, RecoveryActivity::class.java)
                    .addFlags(android.content.Intent.FLAG_ACTIVITY_NEW_TASK or android.content.Intent.FLAG_ACTIVITY_CLEAR_TASK),
            )
            finish()
            retained = Retained()
            return
        }
        // A failure to read the choice is the screen's to show (its own calls fail the same way).
        val choice = if (needsGmina) runCatching { (application as MmApplication).repository.core.gminaChoice() }.getOrNull() else null
        if (choice is pl.mmieszkaniec.core.GminaChoice.NotChosen) {
            startActivity(
                android.content.Intent(this, GminaPickerActivity::class.java)
                    .addFlags(android.content.Intent.FLAG_ACTIVITY_NEW_TASK or android.content.Intent.FLAG_ACTIVITY_CLEAR_TASK),
            )
            finish()
            retained = Retained()
            return
        }
        @Suppress("DEPRECATION")
        val previous = lastNonConfigurationInstance as? Retained
        retained = previous ?: Retained()
        restored = previous != null
        column = LinearLayout(this).apply {
            orientation = LinearLayout.VERTICAL
            setPadding(dp(16), dp(16), dp(16), dp(16))
            setBackgroundColor(Palette.BACKGROUND)
        }
        scroll = ScrollView(this).apply {
            id = stableId("screen")
            isFillViewport = true
            setBackgroundColor(Palette.BACKGROUND)
            addView(column)
        }
        setContentView(scroll)
        edgeToEdge()
        problems = Section(this)
        column.addView(problems.layout)
        onCreateScreen(savedInstanceState)
    }

    private lateinit var problems: Section

    /**
     * A problem of the phone rather than the core's (no app for an intent,
     * a permission refused, a sensor off), shown and announced like the
     * core's errors at the top of the screen; null clears it.
     */
    fun showProblem(text: Text?) {
        problems.show { text?.let { error(UserError("app", it.pl, it.en), key = "problem") } }
    }

    /**
     * Edge to edge on every version (enforced from targetSdk 35): the screen
     * draws behind the status and navigation bars and the display cutout,
     * and pads its content by their insets and by the keyboard's, which is
     * how it resizes for the IME (`adjustResize` alone no longer does).
     */
    private fun edgeToEdge() {
        window.setSoftInputMode(WindowManager.LayoutParams.SOFT_INPUT_ADJUST_RESIZE)
        window.statusBarColor = Color.TRANSPARENT
        window.navigationBarColor = Color.TRANSPARENT
        if (Build.VERSION.SDK_INT >= 30) {
            window.setDecorFitsSystemWindows(false)
            // Dark icons on the white screen.
            val light = WindowInsetsController.APPEARANCE_LIGHT_STATUS_BARS or WindowInsetsController.APPEARANCE_LIGHT_NAVIGATION_BARS
            window.insetsController?.setSystemBarsAppearance(light, light)
        } else {
            @Suppress("DEPRECATION")
            window.decorView.systemUiVisibility = View.SYSTEM_UI_FLAG_LAYOUT_STABLE or
                View.SYSTEM_UI_FLAG_LAYOUT_FULLSCREEN or View.SYSTEM_UI_FLAG_LAYOUT_HIDE_NAVIGATION or
                View.SYSTEM_UI_FLAG_LIGHT_STATUS_BAR or View.SYSTEM_UI_FLAG_LIGHT_NAVIGATION_BAR
        }
        scroll.setOnApplyWindowInsetsListener { v, insets ->
            if (Build.VERSION.SDK_INT >= 30) {
                val types = WindowInsets.Type.systemBars() or WindowInsets.Type.displayCutout() or WindowInsets.Type.ime()
                val i = insets.getInsets(types)
                v.setPadding(i.left, i.top, i.right, i.bottom)
                WindowInsets.CONSUMED
            } else {
                // Before API 30 the system window insets include the keyboard under adjustResize.
                @Suppress("DEPRECATION")
                v.setPadding(insets.systemWindowInsetLeft, insets.systemWindowInsetTop, insets.systemWindowInsetRight, insets.systemWindowInsetBottom)
                @Suppress("DEPRECATION")
                insets.consumeSystemWindowInsets()
            }
        }
    }

    @Deprecated("Kept so that holders survive a configuration change; no AndroidX ViewModel here.")
    override fun onRetainNonConfigurationInstance(): Any = retained

    override fun onDestroy() {
        scope.cancel()
        // A rotation hands the holders and their work to the next instance.
        if (!isChangingConfigurations) retained.scope.cancel()
        setBackWithin(null)
        super.onDestroy()
    }

    /** The holder named after its class, created once and kept across rotations. */
    protected inline fun <reified T : Any> holder(noinline create: () -> T): T = holder(T::class.java.name, create)

    protected fun <T : Any> holder(name: String, create: () -> T): T = retainedHolder(name, create)

    private fun <T : Any> retainedHolder(name: String, create: () -> T): T = retained.holder(name, create)

    /**
     * Renders [state] now (so the views exist before the framework restores
     * their saved state) and again on every change.
     */
    protected fun <S> collect(state: StateFlow<S>, render: (S) -> Unit) {
        render(state.value)
        scope.launch { state.collect { render(it) } }
    }

    /** Launches a state holder's intent where it survives a rotation. */
    protected fun act(block: suspend CoroutineScope.() -> Unit) {
        work.launch(block = block)
    }

    // ---- back within a screen (a step, an opened item) ----

    private var backWithin: (() -> Unit)? = null
    private var backCallback: Any? = null

    /**
     * While [action] is set, Back does it instead of closing the screen:
     * from API 33 through an [OnBackInvokedCallback] registered only while
     * there is somewhere to go back to (so the system can animate a
     * predictive back to the previous screen otherwise; targetSdk 36 no
     * longer calls [onBackPressed]); before 33 through [onBackPressed].
     */
    protected fun setBackWithin(action: (() -> Unit)?) {
        backWithin = action
        if (Build.VERSION.SDK_INT >= 33) Api33.update(this, action != null)
    }

    @Deprecated("Back before API 33; from 33 the OnBackInvokedCallback above is used.")
    override fun onBackPressed() {
        val within = backWithin
        if (within != null) {
            within()
        } else {
            @Suppress("DEPRECATION")
            super.onBackPressed()
        }
    }

    /** The API 33 types stay in here, so older versions never load them. */
    private object Api33 {
        fun update(activity: ScreenActivity, wanted: Boolean) {
            val registered = activity.backCallback as OnBackInvokedCallback?
            if (wanted && registered == null) {
                val callback = OnBackInvokedCallback { activity.backWithin?.invoke() }
                activity.onBackInvokedDispatcher.registerOnBackInvokedCallback(OnBackInvokedDispatcher.PRIORITY_DEFAULT, callback)
                activity.backCallback = callback
            } else if (!wanted && registered != null) {
                activity.onBackInvokedDispatcher.unregisterOnBackInvokedCallback(registered)
                activity.backCallback = null
            }
        }
    }

    // ---- views ----

    fun heading(text: String, level: Int = 1): TextView = TextView(this).apply {
        this.text = text
        setTextColor(Palette.TEXT)
        setTextSize(TypedValue.COMPLEX_UNIT_SP, if (level == 1) 26f else 20f)
        typeface = Typeface.DEFAULT_BOLD
        isAccessibilityHeading = true
        id = View.generateViewId()
        setPadding(0, dp(12), 0, dp(8))
    }

    fun body(text: String, secondary: Boolean = false): TextView = TextView(this).apply {
        this.text = text
        setTextColor(if (secondary) Palette.SECONDARY else Palette.TEXT)
        setTextSize(TypedValue.COMPLEX_UNIT_SP, if (secondary) 15f else 17f)
        setLineSpacing(0f, 1.2f)
        id = View.generateViewId()
    }

    fun button(text: String, description: String? = null, onClick: () -> Unit): Button = Button(this).apply {
        this.text = text
        setTextSize(TypedValue.COMPLEX_UNIT_SP, 17f)
        setTextColor(Palette.ACCENT)
        minimumHeight = dp(48)
        minimumWidth = dp(48)
        contentDescription = description
        id = View.generateViewId()
        setOnClickListener { onClick() }
    }

    /** Moves TalkBack's focus to [view] (a new step's title, an opened card). */
    fun focusForAccessibility(view: View) {
        view.post { view.performAccessibilityAction(AccessibilityNodeInfo.ACTION_ACCESSIBILITY_FOCUS, null) }
    }

    fun open(activity: Class<out Activity>, configure: Intent.() -> Unit = {}) {
        startActivity(Intent(this, activity).apply(configure))
    }

    /** Starts another app's screen; false (and nothing thrown) when no app handles it. */
    fun startOutside(intent: Intent): Boolean = try {
        startActivity(intent)
        true
    } catch (_: ActivityNotFoundException) {
        false
    }
}

/**
 * A column whose content is described anew at each render and updated in
 * place: a view whose key is still there keeps its identity (TalkBack keeps
 * its place on it, a live region speaks only when its text really changed,
 * a field keeps what is typed), a new key gets a new view, a missing one is
 * removed. Keys default to the kind and the position among its kind;
 * lists key their rows by the item's id.
 */
class Section(private val screen: ScreenActivity, val layout: LinearLayout) {
    private val byKey = HashMap<String, View>()

    constructor(screen: ScreenActivity) : this(
        screen,
        LinearLayout(screen).apply { orientation = LinearLayout.VERTICAL; id = View.generateViewId() },
    )

    fun show(build: Builder.() -> Unit) {
        val b = Builder()
        b.build()
        val wanted = ArrayList<View>(b.specs.size)
        val keys = HashSet<String>()
        for (s in b.specs) {
            keys += s.key
            val view = byKey[s.key] ?: s.create().also { byKey[s.key] = it }
            s.bind(view)
            wanted += view
        }
        byKey.keys.retainAll(keys)
        val keep = wanted.toHashSet()
        for (i in layout.childCount - 1 downTo 0) {
            if (layout.getChildAt(i) !in keep) layout.removeViewAt(i)
        }
        wanted.forEachIndexed { i, v ->
            if (layout.getChildAt(i) !== v) {
                (v.parent as? ViewGroup)?.removeView(v)
                layout.addView(v, i)
            }
        }
    }

    /** The view shown under [key], if any (to move focus to it). */
    fun viewAt(key: String): View? = byKey.entries.firstOrNull { it.key.endsWith("|$key") }?.value

    internal class Spec(val key: String, val create: () -> View, val bind: (View) -> Unit)

    inner class Builder {
        internal val specs = ArrayList<Spec>()
        private val counts = HashMap<String, Int>()

        private val used = HashSet<String>()

        /** `kind|key`; a key given twice (two equal buttons) gets a suffix rather than sharing a view. */
        private fun key(kind: String, key: String?): String {
            val k = key ?: (counts.merge(kind, 1, Int::plus)!! - 1).toString()
            var full = "$kind|$k"
            var n = 1
            while (!used.add(full)) full = "$kind|$k#${n++}"
            return full
        }

        @Suppress("UNCHECKED_CAST")
        fun <V : View> view(kind: String, key: String?, create: () -> V, bind: (V) -> Unit = {}) {
            specs += Spec(key(kind, key), create) { bind(it as V) }
        }

        fun heading(text: String, level: Int = 2, key: String? = null) =
            view("heading$level", key, { screen.heading(text, level) }) { it.setTextIfChanged(text) }

        fun body(text: String, secondary: Boolean = false, key: String? = null, live: Boolean = false) =
            view(if (secondary) "note" else "body", key, {
                screen.body(text, secondary).apply {
                    if (live) accessibilityLiveRegion = View.ACCESSIBILITY_LIVE_REGION_POLITE
                }
            }) { it.setTextIfChanged(text) }

        fun button(text: String, description: String? = null, key: String? = null, enabled: Boolean = true, onClick: () -> Unit) =
            view("button", key ?: text, { screen.button(text, description) {} }) {
                it.setTextIfChanged(text)
                it.contentDescription = description
                it.isEnabled = enabled
                it.setOnClickListener { onClick() }
            }

        /** A tappable row read by TalkBack as one sentence. */
        fun row(title: String, subtitle: String, description: String, key: String, onClick: () -> Unit) =
            view("row", key, {
                LinearLayout(screen).apply {
                    orientation = LinearLayout.VERTICAL
                    minimumHeight = screen.dp(48)
                    setPadding(0, screen.dp(8), 0, screen.dp(8))
                    addView(screen.body(title).apply { importantForAccessibility = View.IMPORTANT_FOR_ACCESSIBILITY_NO })
                    addView(screen.body(subtitle, secondary = true).apply { importantForAccessibility = View.IMPORTANT_FOR_ACCESSIBILITY_NO })
                    isClickable = true
                    isFocusable = true
                    id = View.generateViewId()
                }
            }) { row ->
                (row.getChildAt(0) as TextView).setTextIfChanged(title)
                (row.getChildAt(1) as TextView).apply {
                    setTextIfChanged(subtitle)
                    visibility = if (subtitle.isEmpty()) View.GONE else View.VISIBLE
                }
                row.contentDescription = description
                row.setOnClickListener { onClick() }
            }

        /** An alert banner: high contrast, announced when it appears (once: it is kept, not rebuilt). */
        fun alert(title: String, text: String, key: String, onClick: () -> Unit) = view("alert", key, {
            LinearLayout(screen).apply {
                orientation = LinearLayout.VERTICAL
                setBackgroundColor(Palette.ALERT_BG)
                val pad = screen.dp(12)
                setPadding(pad, pad, pad, pad)
                minimumHeight = screen.dp(48)
                addView(TextView(screen).apply {
                    setTextColor(Color.WHITE)
                    typeface = Typeface.DEFAULT_BOLD
                    setTextSize(TypedValue.COMPLEX_UNIT_SP, 18f)
                    importantForAccessibility = View.IMPORTANT_FOR_ACCESSIBILITY_NO
                })
                addView(TextView(screen).apply {
                    setTextColor(Color.WHITE)
                    setTextSize(TypedValue.COMPLEX_UNIT_SP, 16f)
                    maxLines = 3
                    importantForAccessibility = View.IMPORTANT_FOR_ACCESSIBILITY_NO
                })
                accessibilityLiveRegion = View.ACCESSIBILITY_LIVE_REGION_POLITE
                isClickable = true
                isFocusable = true
                id = View.generateViewId()
                layoutParams = LinearLayout.LayoutParams(ViewGroup.LayoutParams.MATCH_PARENT, ViewGroup.LayoutParams.WRAP_CONTENT)
                    .apply { bottomMargin = screen.dp(8) }
            }
        }) { banner ->
            (banner.getChildAt(0) as TextView).setTextIfChanged(title)
            (banner.getChildAt(1) as TextView).setTextIfChanged(text)
            val spoken = screen.t(Texts.ALERT_PREFIX) + "$title. $text"
            if (banner.contentDescription?.toString() != spoken) banner.contentDescription = spoken
            banner.setOnClickListener { onClick() }
        }

        /** An error line, announced by TalkBack as soon as it shows (or changes). */
        fun error(error: UserError, key: String? = null) = view("error", key, {
            screen.body(error.message(screen.language)).apply {
                setTextColor(Palette.ALERT_BG)
                accessibilityLiveRegion = View.ACCESSIBILITY_LIVE_REGION_ASSERTIVE
            }
        }) { it.setTextIfChanged(error.message(screen.language)) }

        fun loading(key: String? = null) = body(screen.t(Texts.LOADING), secondary = true, key = "loading-${key ?: ""}", live = true)

        /** Shows a [Load]: a loading line, an error line, or [ready]'s views. */
        fun <T> load(load: Load<T>?, key: String = "", ready: Builder.(T) -> Unit) {
            when (load) {
                null -> Unit
                Load.Loading -> loading(key)
                is Load.Failed -> error(load.error, key = "load-$key")
                is Load.Ready -> ready(load.value)
            }
        }
    }
}

/** Sets the text only when it differs: an unchanged text fires no accessibility event. */
fun TextView.setTextIfChanged(value: CharSequence) {
    if (text?.toString() != value.toString()) text = value
}
