package pl.mmieszkaniec.app.ui

import android.app.Activity
import android.content.Context
import android.content.Intent
import android.graphics.Color
import android.graphics.Typeface
import android.os.Bundle
import android.util.TypedValue
import android.view.View
import android.view.ViewGroup
import android.widget.Button
import android.widget.LinearLayout
import android.widget.ScrollView
import android.widget.TextView
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.MainScope
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
    /** White on #B00020: 6.9:1. */
    val ALERT_BG = Color.rgb(0xB0, 0x00, 0x20)
    /** #0B4F8A (links, buttons) on white: 8.6:1. */
    val ACCENT = Color.rgb(0x0B, 0x4F, 0x8A)
    val BACKGROUND = Color.WHITE
}

fun Context.dp(v: Int): Int = TypedValue.applyDimension(TypedValue.COMPLEX_UNIT_DIP, v.toFloat(), resources.displayMetrics).toInt()

/** Base of every screen: a scope that dies with it and a scrolling column. */
abstract class ScreenActivity : Activity() {
    protected val scope: CoroutineScope = MainScope()
    protected val repo: Repository get() = (application as MmApplication).repository
    protected lateinit var column: LinearLayout

    override fun onCreate(savedInstanceState: Bundle?) {
        super.onCreate(savedInstanceState)
        column = LinearLayout(this).apply {
            orientation = LinearLayout.VERTICAL
            setPadding(dp(16), dp(16), dp(16), dp(16))
            setBackgroundColor(Palette.BACKGROUND)
        }
        setContentView(ScrollView(this).apply { addView(column) })
    }

    override fun onDestroy() {
        scope.cancel()
        super.onDestroy()
    }

    protected fun <S> collect(state: StateFlow<S>, render: (S) -> Unit) {
        scope.launch { state.collect { render(it) } }
    }

    /** Polish unless the phone is set to English. */
    protected val language: String get() = resources.configuration.locales[0].language

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

    /** A tappable row read by TalkBack as one sentence. */
    fun row(title: String, subtitle: String, description: String, onClick: () -> Unit): View =
        LinearLayout(this).apply {
            orientation = LinearLayout.VERTICAL
            minimumHeight = dp(48)
            setPadding(0, dp(8), 0, dp(8))
            addView(body(title).apply { importantForAccessibility = View.IMPORTANT_FOR_ACCESSIBILITY_NO })
            addView(body(subtitle, secondary = true).apply { importantForAccessibility = View.IMPORTANT_FOR_ACCESSIBILITY_NO })
            contentDescription = description
            isClickable = true
            isFocusable = true
            id = View.generateViewId()
            setOnClickListener { onClick() }
        }

    /** An alert banner: high contrast, announced when it appears. */
    fun alertBanner(title: String, text: String, onClick: () -> Unit): View = LinearLayout(this).apply {
        orientation = LinearLayout.VERTICAL
        setBackgroundColor(Palette.ALERT_BG)
        setPadding(dp(12), dp(12), dp(12), dp(12))
        minimumHeight = dp(48)
        addView(TextView(context).apply {
            this.text = title
            setTextColor(Color.WHITE)
            typeface = Typeface.DEFAULT_BOLD
            setTextSize(TypedValue.COMPLEX_UNIT_SP, 18f)
        })
        addView(TextView(context).apply {
            this.text = text
            setTextColor(Color.WHITE)
            setTextSize(TypedValue.COMPLEX_UNIT_SP, 16f)
            maxLines = 3
        })
        contentDescription = (if (language == "en") "Alert: " else "Komunikat: ") + "$title. $text"
        accessibilityLiveRegion = View.ACCESSIBILITY_LIVE_REGION_POLITE
        isClickable = true
        isFocusable = true
        id = View.generateViewId()
        setOnClickListener { onClick() }
        layoutParams = LinearLayout.LayoutParams(ViewGroup.LayoutParams.MATCH_PARENT, ViewGroup.LayoutParams.WRAP_CONTENT)
            .apply { bottomMargin = dp(8) }
    }

    /** An error line, announced by TalkBack as soon as it shows. */
    fun errorText(error: UserError): TextView = body(error.message(language)).apply {
        setTextColor(Palette.ALERT_BG)
        accessibilityLiveRegion = View.ACCESSIBILITY_LIVE_REGION_ASSERTIVE
    }

    fun loading(): TextView = body(if (language == "en") "Loading…" else "Wczytywanie…", secondary = true).apply {
        accessibilityLiveRegion = View.ACCESSIBILITY_LIVE_REGION_POLITE
    }

    /** Shows a [Load]: a loading line, an error line, or [ready]'s views. */
    fun <T> render(load: Load<T>?, into: LinearLayout, ready: (T) -> Unit) {
        when (load) {
            null -> Unit
            Load.Loading -> into.addView(loading())
            is Load.Failed -> into.addView(errorText(load.error))
            is Load.Ready -> ready(load.value)
        }
    }

    fun open(activity: Class<out Activity>, configure: Intent.() -> Unit = {}) {
        startActivity(Intent(this, activity).apply(configure))
    }

    fun t(pl: String, en: String): String = if (language == "en") en else pl
}
