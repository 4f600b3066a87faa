package pl.mmieszkaniec.app.ui

import android.content.Intent
import android.graphics.Color
import android.os.Bundle
import android.text.InputType
import android.util.TypedValue
import android.view.View
import android.widget.CheckBox
import android.widget.EditText
import android.widget.LinearLayout
import android.widget.RadioButton
import android.widget.RadioGroup
import android.widget.TextView
import pl.mmieszkaniec.app.state.WasteModel
import pl.mmieszkaniec.app.state.WasteState
import pl.mmieszkaniec.core.WasteBuilding
import pl.mmieszkaniec.core.WasteFraction
import pl.mmieszkaniec.core.WasteReminderPrefs

/**
 * "Odpady": the resident's addresses with their next collections (each
 * fraction in its bin's colour and with its name, so colour is never the
 * only cue), adding an address (the core says when the gmina's rules need
 * the building type), "what goes where" (the core's dictionary, offline),
 * and the reminder prefs. Every change reschedules the local reminders
 * ([WasteReminderScheduler]).
 */
class WasteActivity : ScreenActivity() {
    private lateinit var model: WasteModel
    private lateinit var list: Section
    private lateinit var form: Section
    private lateinit var search: Section
    private lateinit var reminders: Section
    private var building: WasteBuilding? = null
    private var daysBefore = 1
    private var atText = "18:00"
    private val muted = LinkedHashSet<String>()
    private var seededFrom: Any? = null

    override fun onCreateScreen(savedInstanceState: Bundle?) {
        title = t(Texts.WASTE)
        model = holder { WasteModel(repo) }
        column.addView(heading(t(Texts.WASTE)))
        list = Section(this).also { column.addView(it.layout) }
        column.addView(heading(t(Texts.WASTE_ADD_ADDRESS), level = 2))
        val locality = field("waste-locality", t(Texts.WASTE_LOCALITY))
        val street = field("waste-street", t(Texts.WASTE_STREET))
        val number = field("waste-number", t(Texts.WASTE_NUMBER))
        column.addView(RadioGroup(this).apply {
            id = stableId("waste-building")
            orientation = RadioGroup.VERTICAL
            listOf(null to Texts.WASTE_BUILDING_UNSAID, WasteBuilding.SINGLE_FAMILY to Texts.WASTE_HOUSE, WasteBuilding.MULTI_FAMILY to Texts.WASTE_FLATS)
                .forEach { (b, label) ->
                    addView(RadioButton(this@WasteActivity).apply {
                        id = stableId("waste-building-${b?.name ?: "unsaid"}")
                        text = t(label)
                        minimumHeight = dp(48)
                        setTextSize(TypedValue.COMPLEX_UNIT_SP, 17f)
                    })
                }
            check(stableId("waste-building-unsaid"))
            setOnCheckedChangeListener { _, checked ->
                building = WasteBuilding.entries.firstOrNull { stableId("waste-building-${it.name}") == checked }
            }
        })
        column.addView(button(t(Texts.WASTE_ADD)) {
            val st = street.text.toString().trim().ifEmpty { null }
            act {
                model.add(locality.text.toString().trim(), st, number.text.toString().trim(), building)
                rescheduled()
            }
        })
        form = Section(this).also { column.addView(it.layout) }
        column.addView(heading(t(Texts.WASTE_WHAT_WHERE), level = 2))
        val query = field("waste-search", t(Texts.WASTE_SEARCH_HINT))
        column.addView(button(t(Texts.SEARCH)) { act { model.search(query.text.toString()) } })
        search = Section(this).also { column.addView(it.layout) }
        reminders = Section(this).also { column.addView(it.layout) }
        collect(model.state, ::show)
        if (!restored) act {
            model.load()
            model.refresh()
            rescheduled()
        }
    }

    /** The address's collections as an .ics file for a calendar app (a file, as for an event: apps import files). */
    private suspend fun shareIcs(id: Long) {
        val ics = repo.wasteIcs(id)
        val uri = AppFiles.share(this, "odpady-$id.ics", ics.ics)
        val send = AppFiles.grant(Intent(Intent.ACTION_SEND).setType("text/calendar").putExtra(Intent.EXTRA_STREAM, uri), uri, write = false)
        val chooser = AppFiles.grant(Intent.createChooser(send, t(Texts.WASTE_SHARE_ICS)), uri, write = false)
        showProblem(if (startOutside(chooser)) null else Texts.NO_APP)
    }

    private suspend fun rescheduled() = (application as MmApplication).wasteReminders.reschedule(repo)

    private fun field(key: String, label: String): EditText {
        val input = EditText(this).apply {
            id = stableId(key)
            inputType = InputType.TYPE_CLASS_TEXT
            setTextSize(TypedValue.COMPLEX_UNIT_SP, 18f)
            minimumHeight = dp(48)
        }
        column.addView(body(label).apply { labelFor = input.id })
        column.addView(input)
        return input
    }

    private fun seed(p: WasteReminderPrefs) {
        daysBefore = p.daysBefore.toInt()
        atText = "%02d:%02d".format(p.atMinute.toInt() / 60, p.atMinute.toInt() % 60)
        muted.clear()
        muted += p.muted
        seededFrom = p
    }

    private fun show(state: WasteState) {
        state.prefs?.let { if (it !== seededFrom) seed(it) }
        list.show {
            state.error?.let { error(it, key = "error") }
            load(state.screen, key = "screen") { s ->
                if (s.addresses.isEmpty()) body(t(Texts.WASTE_NO_ADDRESS), secondary = true, key = "empty")
                s.addresses.forEach { a ->
                    val addr = a.address
                    heading(addr.label, key = "addr-${addr.id}")
                    if (addr.checkText.isNotEmpty()) body(addr.checkText, key = "check-${addr.id}", live = true)
                    addr.zoneName?.let { body(it, secondary = true, key = "zone-${addr.id}") }
                    a.pickups.forEachIndexed { i, p ->
                        fractionRow("pickup-${addr.id}-$i", p.fraction, "${p.fraction.label}: ${p.whenText}", "${p.dateText}${p.note?.let { " · $it" } ?: ""}")
                    }
                    if (a.pickups.isNotEmpty()) {
                        button(t(Texts.WASTE_SHARE_ICS), description = t(Texts.WASTE_SHARE_ICS) + ": " + addr.label, key = "ics-${addr.id}") {
                            act { shareIcs(addr.id) }
                        }
                    }
                    button(t(Texts.WASTE_REMOVE), description = t(Texts.WASTE_REMOVE) + ": " + addr.label, key = "remove-${addr.id}") {
                        act {
                            model.remove(addr.id)
                            rescheduled()
                        }
                    }
                }
            }
        }
        form.show {
            state.added?.let { a -> if (a.checkText.isNotEmpty()) body(a.checkText, key = "added-check", live = true) }
        }
        search.show {
            state.hits?.let { hits ->
                if (hits.isEmpty()) body(t(Texts.NOTHING_FOUND), secondary = true, key = "none")
                hits.forEachIndexed { i, h -> fractionRow("hit-$i", h.fraction, h.item, listOfNotNull(h.fraction.label, h.note).joinToString(" · ")) }
            }
        }
        reminders.show {
            val prefs = state.prefs ?: return@show
            heading(t(Texts.WASTE_REMINDERS), key = "reminders")
            view("check", "enabled", { CheckBox(this@WasteActivity).apply { id = stableId("waste-reminders-on"); minimumHeight = dp(48) } }) { v ->
                v.setOnCheckedChangeListener(null)
                v.text = t(Texts.WASTE_REMINDERS_ON)
                v.isChecked = prefs.enabled
                v.setOnCheckedChangeListener { _, on -> savePrefs(prefs.copy(enabled = on)) }
            }
            for (n in 1..3) {
                view("check", "days-$n", { RadioButton(this@WasteActivity).apply { id = stableId("waste-days-$n"); minimumHeight = dp(48) } }) { v ->
                    v.setOnCheckedChangeListener(null)
                    v.text = t(Texts.wasteDaysBefore(n))
                    v.isChecked = daysBefore == n
                    v.setOnCheckedChangeListener { _, on -> if (on) savePrefs(prefs.copy(daysBefore = n.toUByte())) }
                }
            }
            view("label", "at-label", { this@WasteActivity.body(t(Texts.WASTE_REMINDER_AT)).apply { labelFor = stableId("waste-at") } })
            view("field", "at", {
                EditText(this@WasteActivity).apply {
                    id = stableId("waste-at")
                    inputType = InputType.TYPE_CLASS_DATETIME or InputType.TYPE_DATETIME_VARIATION_TIME
                    minimumHeight = dp(48)
                    setText(atText)
                }
            })
            val fractions = state.screen.valueOrNull?.addresses.orEmpty().flatMap { it.pickups }.map { it.fraction }.distinctBy { it.code }
            fractions.forEach { f ->
                view("check", "mute-${f.code}", { CheckBox(this@WasteActivity).apply { id = stableId("waste-mute-${f.code}"); minimumHeight = dp(48) } }) { v ->
                    v.setOnCheckedChangeListener(null)
                    v.text = t(Texts.wasteMute(f.label))
                    v.isChecked = f.code in prefs.muted
                    v.setOnCheckedChangeListener { _, on ->
                        val m = if (on) prefs.muted + f.code else prefs.muted - f.code
                        savePrefs(prefs.copy(muted = m.distinct()))
                    }
                }
            }
            button(t(Texts.WASTE_SAVE_TIME), key = "save-at") {
                val field = findViewById<EditText>(stableId("waste-at"))
                val minute = runCatching { java.time.LocalTime.parse(field.text.toString().trim()) }.getOrNull()
                if (minute == null) showProblem(Texts.QUIET_HOURS_FORMAT)
                else savePrefs(prefs.copy(atMinute = (minute.hour * 60 + minute.minute).toUInt()))
            }
        }
    }

    private fun savePrefs(p: WasteReminderPrefs) {
        showProblem(null)
        act {
            model.setPrefs(p)
            rescheduled()
        }
    }

    /** A fraction's row: a square in the bin's colour (the core's hex) and the words, so colour is never the only cue. */
    private fun Section.Builder.fractionRow(key: String, f: WasteFraction, title: String, subtitle: String) =
        view("fraction", key, {
            LinearLayout(this@WasteActivity).apply {
                orientation = LinearLayout.HORIZONTAL
                minimumHeight = dp(48)
                setPadding(0, dp(4), 0, dp(4))
                addView(View(this@WasteActivity).apply {
                    layoutParams = LinearLayout.LayoutParams(dp(24), dp(24)).apply { rightMargin = dp(12); topMargin = dp(4) }
                    importantForAccessibility = View.IMPORTANT_FOR_ACCESSIBILITY_NO
                })
                addView(LinearLayout(this@WasteActivity).apply {
                    orientation = LinearLayout.VERTICAL
                    addView(this@WasteActivity.body(title).apply { importantForAccessibility = View.IMPORTANT_FOR_ACCESSIBILITY_NO })
                    addView(this@WasteActivity.body(subtitle, secondary = true).apply { importantForAccessibility = View.IMPORTANT_FOR_ACCESSIBILITY_NO })
                })
                isFocusable = true
            }
        }) { row ->
            row.getChildAt(0).setBackgroundColor(runCatching { Color.parseColor(f.binColourHex) }.getOrDefault(Color.GRAY))
            val texts = row.getChildAt(1) as LinearLayout
            (texts.getChildAt(0) as TextView).setTextIfChanged(title)
            (texts.getChildAt(1) as TextView).setTextIfChanged(subtitle)
            row.contentDescription = "$title. $subtitle. ${f.binText}"
        }
}
