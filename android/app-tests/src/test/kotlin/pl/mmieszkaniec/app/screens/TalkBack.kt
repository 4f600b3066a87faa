package pl.mmieszkaniec.app.screens

import android.graphics.Bitmap
import android.graphics.Canvas
import android.graphics.Color
import android.graphics.Typeface
import android.graphics.drawable.ColorDrawable
import android.view.View
import android.view.ViewGroup
import android.widget.EditText
import android.widget.TextView
import kotlin.math.max
import kotlin.math.min
import kotlin.math.pow

/**
 * TalkBack basics, checked on the views a screen shows:
 * - every view a finger can activate (clickable or long-clickable, and not
 *   hidden from accessibility) has something to read: its own text, its
 *   content description, or for a field its hint or a label (`labelFor`);
 *   The same for a focusable view that is not a group (a group is read
 *   through its children);
 * - the screen has a heading (`isAccessibilityHeading`) for TalkBack's
 *   heading navigation, and the texts named as headings are marked so;
 * - touch targets: every enabled view a finger can activate is at least
 *   [TARGET_DP]×[TARGET_DP] dp (Android's accessibility guideline; the
 *   Accessibility Scanner's check; WCAG 2.1 2.5.5 asks 44 CSS px);
 * - text contrast (WCAG 2.1 1.4.3): every shown, enabled text has a
 *   contrast ratio of at least 4.5:1 against what is behind it, 3:1 for
 *   large text (≥ 18 sp, or ≥ 14 sp bold). What is behind it: the views'
 *   backgrounds from the window (white, as the screens set it) down to the
 *   text's own, each drawn and sampled at the text's centre and laid over
 *   the one below, so a button's shape, a banner's colour and a
 *   translucent text all count. Disabled controls are exempt (1.4.3).
 *
 * What it does not prove: the reading order, that a label makes sense, that
 * live regions announce at the right moment, or contrast over a picture.
 */
object TalkBack {

    /** The smallest touch target, in dp. */
    const val TARGET_DP = 48

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
        shown.filter { it.isFocusable && it !is ViewGroup && !it.isClickable && it.isImportantForAccessibility }.forEach { v ->
            val text = (v as? TextView)?.text?.toString().orEmpty()
            val description = v.contentDescription?.toString().orEmpty()
            val hint = (v as? EditText)?.hint?.toString().orEmpty()
            val labelled = v.id != View.NO_ID && v.id in labels
            if (text.isBlank() && description.isBlank() && hint.isBlank() && !labelled) out += "unlabelled focusable ${describe(v)}"
        }
        val density = root.resources.displayMetrics.density
        shown.filter { (it.isClickable || it.isLongClickable) && it.isEnabled && it.isImportantForAccessibility }.forEach { v ->
            val w = v.width / density
            val h = v.height / density
            // Half a dp of rounding (px to dp) is not a smaller target.
            if (w + 0.5f < TARGET_DP || h + 0.5f < TARGET_DP) {
                out += "touch target ${"%.0f".format(w)}×${"%.0f".format(h)} dp < $TARGET_DP×$TARGET_DP dp: ${describe(v)}"
            }
        }
        shown.filterIsInstance<TextView>().filter { it.isEnabled && !it.text.isNullOrBlank() && it.width > 0 && it.height > 0 }.forEach { tv ->
            val behind = backgroundBehind(tv)
            val fg = over(tv.currentTextColor, behind)
            val ratio = contrast(fg, behind)
            val needed = if (isLarge(tv)) 3.0 else 4.5
            if (ratio + 1e-9 < needed) {
                out += "contrast ${"%.2f".format(ratio)}:1 < $needed:1 (${hex(fg)} on ${hex(behind)}, ${"%.0f".format(sp(tv))} sp${if (bold(tv)) " bold" else ""}): ${describe(tv)} \"${tv.text.toString().take(40)}\""
            }
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

    /** Large text in WCAG's sense: at least 18 pt-ish (18 sp), or 14 sp bold. */
    fun isLarge(tv: TextView): Boolean = sp(tv) >= 18f - 0.01f || (sp(tv) >= 14f - 0.01f && bold(tv))

    private fun sp(tv: TextView): Float {
        val m = tv.resources.displayMetrics
        return tv.textSize / (m.density * tv.resources.configuration.fontScale)
    }

    private fun bold(tv: TextView): Boolean {
        val tf: Typeface? = tv.typeface
        return tv.paint.isFakeBoldText || (tf != null && (tf.isBold || tf.weight >= 600))
    }

    /** The colour behind [v]'s centre: the window (white), then each ancestor's background over it. */
    fun backgroundBehind(v: View): Int {
        val chain = generateSequence(v) { it.parent as? View }.toList().asReversed()
        var colour = Color.WHITE
        for (a in chain) sample(a, v)?.let { colour = over(it, colour) }
        return colour
    }

    /** [v]'s background drawn, at [target]'s centre; null: none. */
    private fun sample(v: View, target: View): Int? {
        val d = v.background ?: return null
        if (d is ColorDrawable) return d.color
        if (v.width <= 0 || v.height <= 0) return null
        val bitmap = Bitmap.createBitmap(v.width, v.height, Bitmap.Config.ARGB_8888)
        val saved = d.copyBounds()
        d.setBounds(0, 0, v.width, v.height)
        d.draw(Canvas(bitmap))
        d.bounds = saved
        val at = IntArray(2).also(target::getLocationInWindow)
        val origin = IntArray(2).also(v::getLocationInWindow)
        val x = (at[0] - origin[0] + target.width / 2).coerceIn(0, v.width - 1)
        val y = (at[1] - origin[1] + target.height / 2).coerceIn(0, v.height - 1)
        return bitmap.getPixel(x, y).also { bitmap.recycle() }
    }

    /** [top] laid over the opaque [below] (source-over). */
    fun over(top: Int, below: Int): Int {
        val a = Color.alpha(top) / 255.0
        fun ch(t: Int, b: Int) = (t * a + b * (1 - a)).toInt().coerceIn(0, 255)
        return Color.rgb(ch(Color.red(top), Color.red(below)), ch(Color.green(top), Color.green(below)), ch(Color.blue(top), Color.blue(below)))
    }

    /** WCAG 2.1's relative luminance of an sRGB colour. */
    fun luminance(c: Int): Double {
        fun lin(v: Int): Double = (v / 255.0).let { if (it <= 0.03928) it / 12.92 else ((it + 0.055) / 1.055).pow(2.4) }
        return 0.2126 * lin(Color.red(c)) + 0.7152 * lin(Color.green(c)) + 0.0722 * lin(Color.blue(c))
    }

    /** WCAG 2.1's contrast ratio, 1 to 21. */
    fun contrast(a: Int, b: Int): Double {
        val (la, lb) = luminance(a) to luminance(b)
        return (max(la, lb) + 0.05) / (min(la, lb) + 0.05)
    }

    private fun hex(c: Int) = "#%06X".format(c and 0xFFFFFF)

    private fun describe(v: View): String {
        val id = if (v.id == View.NO_ID) "" else "#${v.id}"
        val inside = (v as? ViewGroup)?.let { g -> (0 until g.childCount).mapNotNull { (g.getChildAt(it) as? TextView)?.text } }
        return "${v.javaClass.simpleName}$id" + (inside?.takeIf { it.isNotEmpty() }?.let { " containing $it" } ?: "")
    }
}
