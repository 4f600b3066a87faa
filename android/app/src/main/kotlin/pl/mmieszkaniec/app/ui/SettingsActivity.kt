package pl.mmieszkaniec.app.ui

import android.os.Bundle
import android.text.InputType
import android.util.TypedValue
import android.widget.EditText
import pl.mmieszkaniec.app.state.SettingsModel
import pl.mmieszkaniec.app.state.SettingsState

/** The server address (the core validates it) and the sync status. */
class SettingsActivity : ScreenActivity() {
    private lateinit var model: SettingsModel
    private lateinit var input: EditText
    private lateinit var status: Section
    private var filled = false
    private lateinit var gmina: Section
    private lateinit var reminders: Section

    /** The server's address may need fixing before the gmina list can load. */
    override val needsGmina: Boolean get() = false

    override fun onCreateScreen(savedInstanceState: Bundle?) {
        title = t(Texts.SETTINGS)
        model = holder { SettingsModel(repo) }
        column.addView(heading(t(Texts.SETTINGS)))
        gmina = Section(this)
        column.addView(gmina.layout)
        column.addView(button(t(Texts.CHANGE_GMINA)) {
            open(GminaPickerActivity::class.java) { putExtra(GminaPickerActivity.EXTRA_SWITCH, true) }
        }.apply { id = stableId("change-gmina") })
        column.addView(button(t(Texts.NOTIFICATION_SETTINGS)) {
            open(NotificationSettingsActivity::class.java)
        }.apply { id = stableId("notification-settings") })
        val label = body(t(Texts.SERVER_ADDRESS))
        input = EditText(this).apply {
            inputType = InputType.TYPE_CLASS_TEXT or InputType.TYPE_TEXT_VARIATION_URI
            setTextSize(TypedValue.COMPLEX_UNIT_SP, 18f)
            minimumHeight = dp(48)
            id = stableId("server-url")
        }
        label.labelFor = input.id
        column.addView(label)
        column.addView(input)
        column.addView(button(t(Texts.SAVE_ADDRESS)) {
            model.edit(input.text.toString())
            act { model.save() }
        })
        reminders = Section(this)
        column.addView(reminders.layout)
        status = Section(this)
        column.addView(status.layout)
        // After a rotation the field keeps what was typed (the framework restores it).
        filled = restored
        collect(model.state, ::show)
        if (!restored) act { model.load() }
    }

    private fun show(state: SettingsState) {
        if (!filled && state.status is pl.mmieszkaniec.app.state.Load.Ready) {
            filled = true
            input.setText(state.serverUrlInput)
        }
        gmina.show {
            load(state.gmina, key = "gmina") { c ->
                val name = when (c) {
                    is pl.mmieszkaniec.core.GminaChoice.Chosen -> c.name ?: c.teryt
                    pl.mmieszkaniec.core.GminaChoice.NotChosen -> "—"
                }
                body(t(Texts.GMINA) + name, key = "gmina-name")
            }
        }
        reminders.show {
            val days = state.taxReminderDays ?: return@show
            heading(t(Texts.REMINDERS), key = "reminders")
            state.reminderError?.let { error(it, key = "reminder-error") }
            // One choice of seven, each a 48 dp row read with its meaning.
            view("reminder-days", "group", {
                android.widget.RadioGroup(this@SettingsActivity).apply {
                    orientation = android.widget.RadioGroup.VERTICAL
                    id = stableId("tax-reminder-days")
                    for (n in 1..7) addView(android.widget.RadioButton(this@SettingsActivity).apply {
                        id = stableId("tax-reminder-$n")
                        text = t(Texts.reminderDays(n))
                        setTextSize(TypedValue.COMPLEX_UNIT_SP, 17f)
                        minimumHeight = dp(48)
                    })
                }
            }) { group ->
                group.setOnCheckedChangeListener(null)
                group.check(stableId("tax-reminder-$days"))
                group.setOnCheckedChangeListener { _, checked ->
                    val n = (1..7).firstOrNull { stableId("tax-reminder-$it") == checked } ?: return@setOnCheckedChangeListener
                    if (n != model.state.value.taxReminderDays) act { model.setTaxReminderDays(n) }
                }
            }
        }
        status.show {
            state.saveError?.let { error(it, key = "save") }
            load(state.status) { s ->
                heading(t(Texts.STATUS), key = "status")
                body(t(Texts.SERVER) + s.serverUrl, key = "server")
                body(if (s.deviceRegistered) t(Texts.DEVICE_REGISTERED) else t(Texts.DEVICE_NOT_REGISTERED), key = "device")
                body(t(Texts.LAST_SYNC) + (s.lastSyncAtMs?.let { repo.core.datetimeText(it) } ?: t(Texts.NEVER)), key = "sync")
                body(t(Texts.PENDING_WRITES) + s.pendingWrites, secondary = true, key = "pending")
            }
        }
    }
}
