package pl.mmieszkaniec.app.ui

import android.os.Bundle
import android.text.InputType
import android.util.TypedValue
import android.widget.EditText
import kotlinx.coroutines.launch
import pl.mmieszkaniec.app.state.SettingsModel
import pl.mmieszkaniec.app.state.SettingsState

/** The server address (the core validates it) and the sync status. */
class SettingsActivity : ScreenActivity() {
    private lateinit var model: SettingsModel
    private lateinit var input: EditText
    private lateinit var statusColumn: android.widget.LinearLayout

    override fun onCreate(savedInstanceState: Bundle?) {
        super.onCreate(savedInstanceState)
        model = SettingsModel(repo)
        column.addView(heading(t("Ustawienia", "Settings")))
        val label = body(t("Adres serwera gminy", "Municipality server address"))
        input = EditText(this).apply {
            inputType = InputType.TYPE_CLASS_TEXT or InputType.TYPE_TEXT_VARIATION_URI
            setTextSize(TypedValue.COMPLEX_UNIT_SP, 18f)
            minimumHeight = dp(48)
            id = android.view.View.generateViewId()
        }
        label.labelFor = input.id
        column.addView(label)
        column.addView(input)
        column.addView(button(t("Zapisz adres", "Save address")) {
            model.edit(input.text.toString())
            scope.launch { model.save() }
        })
        statusColumn = android.widget.LinearLayout(this).apply { orientation = android.widget.LinearLayout.VERTICAL }
        column.addView(statusColumn)
        collect(model.state, ::show)
        scope.launch {
            model.load()
            input.setText(model.state.value.serverUrlInput)
        }
    }

    private fun show(state: SettingsState) {
        statusColumn.removeAllViews()
        state.saveError?.let { statusColumn.addView(errorText(it)) }
        render(state.status, statusColumn) { s ->
            statusColumn.addView(heading(t("Stan", "Status"), level = 2))
            statusColumn.addView(body(t("Serwer: ", "Server: ") + s.serverUrl))
            statusColumn.addView(body(if (s.deviceRegistered) t("Urządzenie zarejestrowane", "Device registered") else t("Urządzenie jeszcze niezarejestrowane", "Device not registered yet")))
            statusColumn.addView(body(t("Ostatnia synchronizacja: ", "Last sync: ") + (s.lastSyncAtMs?.let { repo.core.datetimeText(it) } ?: t("nigdy", "never"))))
            statusColumn.addView(body(t("Zmiany czekające na wysłanie: ", "Changes waiting to be sent: ") + s.pendingWrites, secondary = true))
        }
    }
}
