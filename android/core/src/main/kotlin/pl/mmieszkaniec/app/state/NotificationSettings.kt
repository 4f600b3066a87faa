package pl.mmieszkaniec.app.state

import pl.mmieszkaniec.app.Repository
import pl.mmieszkaniec.app.UserError
import pl.mmieszkaniec.core.Locality
import pl.mmieszkaniec.core.NotificationSettings
import pl.mmieszkaniec.core.NotificationSettingsEdit
import pl.mmieszkaniec.core.NotificationTopic
import pl.mmieszkaniec.core.PushStatus
import pl.mmieszkaniec.core.QuietHoursSetting

data class NotificationSettingsState(
    /** The core's settings: switches with their labels (alerts on and locked), the alerts sentence, the state's text. */
    val settings: Load<NotificationSettings> = Load.Loading,
    val push: Load<PushStatus> = Load.Loading,
    /** The gmina's localities to pick from (empty both here and picked: the whole gmina). */
    val localities: List<Locality> = emptyList(),
    /** The core refused the edit (a field it names) or the outbox could not be read. */
    val saveError: UserError? = null,
    val saving: Boolean = false,
)

/**
 * The notification settings (issue 16): what the core says, and the
 * resident's edit handed back to it. The core decides which topics exist,
 * that alerts stay on, and what the sentence under them says; saving queues
 * the edit in the outbox and sends it at once when online.
 */
class NotificationSettingsModel(private val repo: Repository) : StateHolder<NotificationSettingsState>(NotificationSettingsState()) {
    suspend fun load() {
        val settings = load { repo.notificationSettings() }
        val push = load { repo.pushStatus() }
        val localities = load { repo.localities() }.valueOrNull.orEmpty()
        update { it.copy(settings = settings, push = push, localities = localities) }
    }

    /**
     * Queues [topics] (those switched on; the core adds alerts whatever they
     * say), [localities] and [quietHours] through the outbox, then tries to
     * send it (offline it stays queued; the state text says so).
     */
    suspend fun save(topics: List<NotificationTopic>, localities: List<Long>, quietHours: QuietHoursSetting?) {
        val current = state.value.settings.valueOrNull ?: return
        update { it.copy(saving = true, saveError = null) }
        val edit = NotificationSettingsEdit(
            topics = topics,
            eventCategories = current.eventCategories,
            localities = localities,
            around = current.around,
            quietHours = quietHours,
            language = current.language,
        )
        val saved = load { repo.setNotificationSettings(edit) }
        if (saved is Load.Ready) runCatching { repo.flushOutbox() }
        update { it.copy(saving = false, saveError = saved.errorOrNull) }
        if (saved is Load.Ready) load()
    }
}
