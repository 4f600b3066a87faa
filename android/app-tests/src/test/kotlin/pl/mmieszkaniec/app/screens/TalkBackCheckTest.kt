package pl.mmieszkaniec.app.screens

import android.app.Activity
import android.graphics.Color
import android.graphics.Typeface
import android.util.TypedValue
import android.view.ViewGroup
import android.widget.Button
import android.widget.EditText
import android.widget.ImageButton
import android.widget.LinearLayout
import android.widget.TextView
import org.junit.Test
import org.junit.runner.RunWith
import org.robolectric.Robolectric
import org.robolectric.RobolectricTestRunner
import org.robolectric.Shadows.shadowOf
import org.robolectric.annotation.GraphicsMode
import kotlin.test.assertEquals

/** The [TalkBack] check itself: it must fail on what TalkBack cannot read. */
@RunWith(RobolectricTestRunner::class)
@GraphicsMode(GraphicsMode.Mode.NATIVE) // the screens' sandbox, so no second one starts
class TalkBackCheckTest {

    private fun screen(build: LinearLayout.(Activity) -> Unit): LinearLayout {
        val controller = Robolectric.buildActivity(Activity::class.java).setup()
        val activity = controller.get()
        val column = LinearLayout(activity).apply { orientation = LinearLayout.VERTICAL; setBackgroundColor(Color.WHITE) }
        column.build(activity)
        activity.setContentView(column)
        // Measured and laid out, as a shown screen is (sizes, positions).
        shadowOf(android.os.Looper.getMainLooper()).idle()
        column.measure(
            android.view.View.MeasureSpec.makeMeasureSpec(800, android.view.View.MeasureSpec.EXACTLY),
            android.view.View.MeasureSpec.makeMeasureSpec(1600, android.view.View.MeasureSpec.AT_MOST),
        )
        column.layout(0, 0, 800, column.measuredHeight)
        return column
    }

    @Test
    fun `labelled controls and a marked heading pass`() {
        val root = screen { a ->
            val big = a.resources.displayMetrics.density.let { (48 * it).toInt() }
            addView(TextView(a).apply { text = "Ustawienia"; isAccessibilityHeading = true; setTextColor(Color.rgb(0x1A, 0x1A, 0x1A)) })
            addView(Button(a).apply { text = "Zapisz adres"; minimumHeight = big; minimumWidth = big; setOnClickListener { } })
            addView(ImageButton(a).apply { contentDescription = "Szukaj"; minimumHeight = big; minimumWidth = big; setOnClickListener { } })
            addView(EditText(a).apply { hint = "Adres serwera"; minimumHeight = big; setTextColor(Color.BLACK) })
        }
        assertEquals(emptyList(), TalkBack.problems(root, headings = listOf("Ustawienia")))
    }

    @Test
    fun `an unlabelled button, an unlabelled field and an unmarked heading are reported`() {
        val root = screen { a ->
            addView(TextView(a).apply { text = "Ustawienia" })
            addView(ImageButton(a).apply { setOnClickListener { } })
            addView(EditText(a))
        }
        // The labels and the heading (the bare views' sizes and colours are the next tests').
        val problems = TalkBack.problems(root, headings = listOf("Ustawienia"))
            .filter { !it.startsWith("touch target") && !it.startsWith("contrast") }
        assertEquals(4, problems.size, problems.joinToString("\n"))
        assertEquals(2, problems.count { it.startsWith("unlabelled clickable") }, problems.joinToString("\n"))
        assertEquals(1, problems.count { it == "no heading on the screen" })
        assertEquals(1, problems.count { it == "\"Ustawienia\" is not marked as a heading" })
    }

    @Test
    fun `a small touch target is reported with its size`() {
        val root = screen { a ->
            addView(TextView(a).apply { text = "Ustawienia"; isAccessibilityHeading = true; setTextColor(Color.BLACK) })
            val d = a.resources.displayMetrics.density
            addView(ImageButton(a).apply { contentDescription = "Zamknij"; setOnClickListener { } },
                ViewGroup.LayoutParams((24 * d).toInt(), (24 * d).toInt()))
            addView(ImageButton(a).apply { contentDescription = "Szukaj"; setOnClickListener { } },
                ViewGroup.LayoutParams((48 * d).toInt(), (48 * d).toInt()))
        }
        val problems = TalkBack.problems(root, headings = listOf("Ustawienia"))
        assertEquals(listOf("touch target 24×24 dp < 48×48 dp: ImageButton"), problems.map { it.substringBefore(" containing") })
    }

    @Test
    fun `pale text fails 4·5 to 1, large text needs 3 to 1, and the background behind counts`() {
        val root = screen { a ->
            addView(TextView(a).apply { text = "Ustawienia"; isAccessibilityHeading = true; setTextColor(Color.BLACK) })
            // #949494 on white: 3.03:1. Too pale for 16 sp text, enough for 18 sp or 14 sp bold.
            addView(TextView(a).apply { text = "blady"; setTextSize(TypedValue.COMPLEX_UNIT_SP, 16f); setTextColor(Color.rgb(0x94, 0x94, 0x94)) })
            addView(TextView(a).apply { text = "duży"; setTextSize(TypedValue.COMPLEX_UNIT_SP, 18f); setTextColor(Color.rgb(0x94, 0x94, 0x94)) })
            addView(TextView(a).apply { text = "gruby"; setTextSize(TypedValue.COMPLEX_UNIT_SP, 14f); setTypeface(Typeface.DEFAULT_BOLD); setTextColor(Color.rgb(0x94, 0x94, 0x94)) })
            // White text on a white row inside a dark banner: the row's own white counts, not the banner.
            addView(LinearLayout(a).apply {
                setBackgroundColor(Color.rgb(0xB0, 0x00, 0x20))
                addView(TextView(a).apply { text = "na banerze"; setTextColor(Color.WHITE) })
                addView(LinearLayout(a).apply {
                    setBackgroundColor(Color.WHITE)
                    addView(TextView(a).apply { text = "biały na białym"; setTextColor(Color.WHITE) })
                })
            })
            // Translucent black (20 %) on white: #CCCCCC, 1.6:1.
            addView(TextView(a).apply { text = "przezroczysty"; setTextColor(Color.argb(0x33, 0, 0, 0)) })
            // Disabled controls are exempt (WCAG 1.4.3).
            addView(TextView(a).apply { text = "wyłączony"; setTextColor(Color.rgb(0xCC, 0xCC, 0xCC)); isEnabled = false })
        }
        val problems = TalkBack.problems(root, headings = listOf("Ustawienia"))
        val failing = problems.map { it.substringAfterLast(" \"").removeSuffix("\"") }
        assertEquals(listOf("blady", "biały na białym", "przezroczysty"), failing, problems.joinToString("\n"))
        assertEquals(true, problems[0].startsWith("contrast 3.03:1 < 4.5:1 (#949494 on #FFFFFF, 16 sp)"), problems[0])
    }

    @Test
    fun `contrast as WCAG computes it`() {
        assertEquals(21.0, TalkBack.contrast(Color.BLACK, Color.WHITE), 1e-9)
        assertEquals(1.0, TalkBack.contrast(Color.WHITE, Color.WHITE), 1e-9)
        // The palette's promises (Ui.kt): text 17.4, secondary 7.0, accent 8.4, white on alert 7.3.
        assertEquals(17.4, TalkBack.contrast(Color.rgb(0x1A, 0x1A, 0x1A), Color.WHITE), 0.05)
        assertEquals(7.0, TalkBack.contrast(Color.rgb(0x59, 0x59, 0x59), Color.WHITE), 0.05)
        assertEquals(8.4, TalkBack.contrast(Color.rgb(0x0B, 0x4F, 0x8A), Color.WHITE), 0.05)
        assertEquals(7.3, TalkBack.contrast(Color.WHITE, Color.rgb(0xB0, 0x00, 0x20)), 0.05)
    }
}
