package pl.mmieszkaniec.app.screens

import android.app.Activity
import android.widget.Button
import android.widget.EditText
import android.widget.ImageButton
import android.widget.LinearLayout
import android.widget.TextView
import org.junit.Test
import org.junit.runner.RunWith
import org.robolectric.Robolectric
import org.robolectric.RobolectricTestRunner
import org.robolectric.annotation.GraphicsMode
import kotlin.test.assertEquals

/** The [TalkBack] check itself: it must fail on what TalkBack cannot read. */
@RunWith(RobolectricTestRunner::class)
@GraphicsMode(GraphicsMode.Mode.NATIVE) // the screens' sandbox, so no second one starts
class TalkBackCheckTest {

    private fun screen(build: LinearLayout.(Activity) -> Unit): LinearLayout {
        val activity = Robolectric.buildActivity(Activity::class.java).setup().get()
        val column = LinearLayout(activity).apply { orientation = LinearLayout.VERTICAL }
        column.build(activity)
        activity.setContentView(column)
        return column
    }

    @Test
    fun `labelled controls and a marked heading pass`() {
        val root = screen { a ->
            addView(TextView(a).apply { text = "Ustawienia"; isAccessibilityHeading = true })
            addView(Button(a).apply { text = "Zapisz adres"; setOnClickListener { } })
            addView(ImageButton(a).apply { contentDescription = "Szukaj"; setOnClickListener { } })
            addView(EditText(a).apply { hint = "Adres serwera" })
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
        val problems = TalkBack.problems(root, headings = listOf("Ustawienia"))
        assertEquals(4, problems.size, problems.joinToString("\n"))
        assertEquals(2, problems.count { it.startsWith("unlabelled clickable") }, problems.joinToString("\n"))
        assertEquals(1, problems.count { it == "no heading on the screen" })
        assertEquals(1, problems.count { it == "\"Ustawienia\" is not marked as a heading" })
    }
}
