package pl.mmieszkaniec.app.ui

import android.Manifest
import android.content.pm.PackageManager
import android.os.Build
import android.os.Bundle
import android.text.InputType
import android.util.TypedValue
import android.widget.CheckBox
import android.widget.CompoundButton
import android.widget.EditText
import android.widget.Switch
import pl.mmieszkaniec.app.state.NotificationSettingsModel
import pl.mmieszkaniec.app.state.NotificationSettingsState
import pl.mmieszkaniec.core.NotificationTopic
import pl.mmieszkaniec.core.QuietHoursSetting
import java.time.LocalTime
import java.time.format.DateTimeParseException

/**
 * "Ustawienia powiadomień" (issue 16): the core's topic switches (alerts
 * shown on and disabled, with the core's sentence under them), the
 * localities to hear about, quiet hours, and the push registration's state.
 * "Zapisz" hands the switches back to the core, which queues them in the
 * outbox (and sends at once when online). Reached from Settings and from the
 * notifications inbox. On Android 13+ it asks for POST_NOTIFICATIONS here,
 * in context, never at launch.
 */
class NotificationSettingsActivity : ScreenActivity() {
    private lateinit var model: NotificationSettingsModel
    private lateinit var content: Section

    /** The switches as the resident left them (until saved): topic → on. */
    private val topicsOn = LinkedHashMap<NotificationTopic, Boolean>()
    private val localitiesOn = LinkedHashSet<Long>()
    /** The core's answer the switches were last set from: a new one (loaded, saved) resets them. */
    private var seededFrom: Any? = null
    private var quietOn = false
    private var quietFrom = "22:00"
    private var quietTo = "07:00"

    override fun onCreateScreen(savedInstanceState: Bundle?) {
        title = t(Texts.NOTIFICATION_SETTINGS)
        model = holder { NotificationSettingsModel(repo) }
        column.addView(heading(t(Texts.NOTIFICATION_SETTINGS)))
        content = Section(this)
        column.addView(content.layout)
        collect(model.state, ::show)
        if (!restored) act { model.load() }
        askForNotifications()
    }

    private fun seed(state: NotificationSettingsState) {
        val s = state.settings.valueOrNull ?: return
        topicsOn.clear()
        s.topics.forEach { topicsOn[it.topic] = it.on }
        localitiesOn.clear()
        localitiesOn += s.localities
        quietOn = s.quietHours != null
        s.quietHours?.let {
            quietFrom = hhmm(it.fromMinute.toInt())
            quietTo = hhmm(it.toMinute.toInt())
        }
        seededFrom = s
    }

    private fun show(state: NotificationSettingsState) {
        if (state.settings.valueOrNull.let { it != null && it !== seededFrom }) seed(state)
        content.show {
            if (needsPermission()) {
                body(t(Texts.NOTIFICATIONS_BLOCKED), key = "blocked")
                button(t(Texts.ALLOW_NOTIFICATIONS), key = "allow") { askForNotifications() }
            }
            state.saveError?.let { error(it, key = "save") }
            load(state.settings, key = "settings") { s ->
                body(s.stateText, secondary = true, key = "state", live = true)
                s.errorText?.let { body(it, key = "state-error", live = true) }
                heading(t(Texts.TOPICS), key = "topics")
                s.topics.forEach { sw ->
                    val key = "topic-${sw.topic.name}"
                    view("switch", key, {
                        Switch(this@NotificationSettingsActivity).apply {
                            id = stableId(key)
                            setTextSize(TypedValue.COMPLEX_UNIT_SP, 17f)
                            minimumHeight = dp(48)
                        }
                    }) { v ->
                        v.setOnCheckedChangeListener(null)
                        v.text = sw.label
                        // Alerts: on and locked; the core says so (can_turn_off false).
                        v.isChecked = if (sw.canTurnOff) topicsOn[sw.topic] ?: sw.on else true
                        v.isEnabled = sw.canTurnOff && !state.saving
                        v.setOnCheckedChangeListener { _: CompoundButton, on: Boolean -> topicsOn[sw.topic] = on }
                    }
                    if (!sw.canTurnOff) body(s.alertsNote, secondary = true, key = "alerts-note")
                }
                if (state.localities.isNotEmpty()) {
                    heading(t(Texts.LOCALITIES), key = "localities")
                    body(t(Texts.LOCALITIES_HINT), secondary = true, key = "localities-hint")
                    state.localities.forEach { l ->
                        val key = "locality-${l.id}"
                        view("check", key, {
                            CheckBox(this@NotificationSettingsActivity).apply {
                                id = stableId(key)
                                setTextSize(TypedValue.COMPLEX_UNIT_SP, 17f)
                                minimumHeight = dp(48)
                            }
                        }) { v ->
                            v.setOnCheckedChangeListener(null)
                            v.text = l.name
                            v.isChecked = l.id in localitiesOn
                            v.setOnCheckedChangeListener { _, on -> if (on) localitiesOn += l.id else localitiesOn -= l.id }
                        }
                    }
                }
                heading(t(Texts.QUIET_HOURS), key = "quiet")
                view("check", "quiet-on", {
                    CheckBox(this@NotificationSettingsActivity).apply {
                        id = stableId("quiet-on")
                        setTextSize(TypedValue.COMPLEX_UNIT_SP, 17f)
                        minimumHeight = dp(48)
                    }
                }) { v ->
                    v.setOnCheckedChangeListener(null)
                    v.text = t(Texts.QUIET_HOURS_ON)
                    v.isChecked = quietOn
                    v.setOnCheckedChangeListener { _, on -> quietOn = on }
                }
                timeField("quiet-from", t(Texts.QUIET_FROM), quietFrom) { quietFrom = it }
                timeField("quiet-to", t(Texts.QUIET_TO), quietTo) { quietTo = it }
                button(t(Texts.SAVE_SETTINGS), key = "save", enabled = !state.saving) { save() }
            }
            heading(t(Texts.PUSH), key = "push")
            load(state.push, key = "push") { p ->
                body(p.stateText, key = "push-state")
                p.errorText?.let { body(it, secondary = true, key = "push-error") }
                button(t(Texts.CONNECT_UNIFIEDPUSH), key = "unifiedpush") {
                    showProblem(if (UnifiedPush.register(this@NotificationSettingsActivity)) null else Texts.NO_UNIFIEDPUSH)
                }
            }
        }
    }

    private fun Section.Builder.timeField(key: String, label: String, value: String, changed: (String) -> Unit) {
        view("label", "$key-label", { this@NotificationSettingsActivity.body(label).apply { labelFor = stableId(key) } })
        view("field", key, {
            EditText(this@NotificationSettingsActivity).apply {
                id = stableId(key)
                inputType = InputType.TYPE_CLASS_DATETIME or InputType.TYPE_DATETIME_VARIATION_TIME
                setTextSize(TypedValue.COMPLEX_UNIT_SP, 18f)
                minimumHeight = dp(48)
                setText(value)
                addTextChangedListener(object : android.text.TextWatcher {
                    override fun beforeTextChanged(s: CharSequence?, start: Int, count: Int, after: Int) = Unit
                    override fun onTextChanged(s: CharSequence?, start: Int, before: Int, count: Int) = Unit
                    override fun afterTextChanged(s: android.text.Editable?) = changed(s?.toString().orEmpty())
                })
            }
        })
    }

    private fun save() {
        val quiet = if (quietOn) {
            val from = minuteOf(quietFrom)
            val to = minuteOf(quietTo)
            if (from == null || to == null) {
                showProblem(Texts.QUIET_HOURS_FORMAT)
                return
            }
            QuietHoursSetting(from.toUInt(), to.toUInt())
        } else null
        showProblem(null)
        val on = topicsOn.filterValues { it }.keys.toList()
        act { model.save(on, localitiesOn.toList(), quiet) }
    }

    private fun needsPermission(): Boolean =
        Build.VERSION.SDK_INT >= 33 && checkSelfPermission(Manifest.permission.POST_NOTIFICATIONS) != PackageManager.PERMISSION_GRANTED

    /** Android 13+: the run-time grant, asked on this screen (the resident came to set notifications up). */
    private fun askForNotifications() {
        if (needsPermission() && !isDestroyed) {
            requestPermissions(arrayOf(Manifest.permission.POST_NOTIFICATIONS), REQUEST_NOTIFICATIONS)
        }
    }

    override fun onRequestPermissionsResult(requestCode: Int, permissions: Array<out String>, grantResults: IntArray) {
        super.onRequestPermissionsResult(requestCode, permissions, grantResults)
        if (requestCode == REQUEST_NOTIFICATIONS) show(model.state.value)
    }

    private companion object {
        const val REQUEST_NOTIFICATIONS = 16

        fun hhmm(minute: Int) = "%02d:%02d".format(minute / 60, minute % 60)

        /** "22:00" → 1320: the field's wall-clock time as the core takes it (minutes after midnight). */
        fun minuteOf(text: String): Int? = try {
            LocalTime.parse(text.trim().let { if (it.length == 4) "0$it" else it }).let { it.hour * 60 + it.minute }
        } catch (_: DateTimeParseException) {
            null
        }
    }
}
