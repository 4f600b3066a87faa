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
