package pl.mmieszkaniec.app.screens

import android.view.View
import android.view.ViewGroup
import android.widget.EditText
import android.widget.TextView

/**
 * TalkBack basics, checked on the views a screen shows:
 * - every view a finger can activate (clickable or long-clickable, and not
 *   hidden from accessibility) has something to read: its own text, its
 *   content description, or for a field its hint or a label (`labelFor`);
 * - the screen has a heading (`isAccessibilityHeading`) for TalkBack's
 *   heading navigation, and the texts named as headings are marked so.
 *
 * What it does not prove: the reading order, that a label makes sense, or
 * that live regions announce at the right moment.
 */
object TalkBack {

    /** Problems found under [root]; empty when the basics hold. */
    fun problems(root: View, headings: List<String> = emptyList()): List<String> {
        val shown = mutableListOf<View>()
        fun walk(v: View) {
            if (!v.isShown) return
            shown += v
            if (v is ViewGroup) for (i in 0 until v.childCount) walk(v.getChildAt(i))
        }
        walk(root)
        val labels = shown.filterIsInstance<TextView>().filter { it.labelFor != View.NO_ID }.map { it.labelFor }.toSet()
        val out = mutableListOf<String>()
        shown.filter { (it.isClickable || it.isLongClickable) && it.isImportantForAccessibility }.forEach { v ->
            val text = (v as? TextView)?.text?.toString().orEmpty()
            val description = v.contentDescription?.toString().orEmpty()
            val hint = (v as? EditText)?.hint?.toString().orEmpty()
            val labelled = v.id != View.NO_ID && v.id in labels
            if (text.isBlank() && description.isBlank() && hint.isBlank() && !labelled) out += "unlabelled clickable ${describe(v)}"
        }
        val marked = shown.filterIsInstance<TextView>().filter { it.isAccessibilityHeading }
        if (marked.isEmpty()) out += "no heading on the screen"
        headings.forEach { h ->
            val views = shown.filterIsInstance<TextView>().filter { it.text?.toString() == h }
            when {
                views.isEmpty() -> out += "heading \"$h\" is not shown"
                views.none { it.isAccessibilityHeading } -> out += "\"$h\" is not marked as a heading"
            }
        }
        return out
    }

    /** Fails with every problem at once. */
    fun check(root: View, headings: List<String> = emptyList()) {
        val p = problems(root, headings)
        if (p.isNotEmpty()) throw AssertionError("TalkBack basics:\n  " + p.joinToString("\n  "))
    }

    private fun describe(v: View): String {
        val id = if (v.id == View.NO_ID) "" else "#${v.id}"
        val inside = (v as? ViewGroup)?.let { g -> (0 until g.childCount).mapNotNull { (g.getChildAt(it) as? TextView)?.text } }
        return "${v.javaClass.simpleName}$id" + (inside?.takeIf { it.isNotEmpty() }?.let { " containing $it" } ?: "")
    }
}
