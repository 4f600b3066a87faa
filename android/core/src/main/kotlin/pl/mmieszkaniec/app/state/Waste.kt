package pl.mmieszkaniec.app.state

import pl.mmieszkaniec.app.Repository
import pl.mmieszkaniec.app.UserError
import pl.mmieszkaniec.core.WasteAddress
import pl.mmieszkaniec.core.WasteAddressInput
import pl.mmieszkaniec.core.WasteBuilding
import pl.mmieszkaniec.core.WasteDictionaryHit
import pl.mmieszkaniec.core.WasteReminderPrefs
import pl.mmieszkaniec.core.WasteScreen

data class WasteState(
    val screen: Load<WasteScreen> = Load.Loading,
    val prefs: WasteReminderPrefs? = null,
    val hits: List<WasteDictionaryHit>? = null,
    /** The address just added, with the core's word on it (a building type needed, not in the gmina's rules). */
    val added: WasteAddress? = null,
    val error: UserError? = null,
    val busy: Boolean = false,
)

/**
 * The waste schedule (issue 16): the resident's addresses with their next
 * collections, the "what goes where" dictionary and the reminder prefs,
 * all the core's; the screen only renders them and hands edits back.
 */
class WasteModel(private val repo: Repository) : StateHolder<WasteState>(WasteState()) {
    suspend fun load() {
        val screen = load { repo.wasteScreen(warsawToday()) }
        val prefs = load { repo.wasteReminderPrefs() }.valueOrNull
        update { it.copy(screen = screen, prefs = prefs ?: it.prefs) }
    }

    /** Pulls the schedules and the dictionary, then shows them (offline: what is stored). */
    suspend fun refresh() {
        val r = load { repo.wasteRefresh() }
        update { it.copy(error = r.errorOrNull) }
        load()
    }

    suspend fun add(locality: String, street: String?, number: String, building: WasteBuilding?) {
        update { it.copy(busy = true, error = null, added = null) }
        val r = load { repo.wasteAddAddress(WasteAddressInput(locality, street, number, building, null)) }
        if (r is Load.Ready) runCatching { repo.wasteRefresh() }
        update { it.copy(busy = false, error = r.errorOrNull, added = r.valueOrNull) }
        load()
    }

    suspend fun remove(id: Long) {
        val r = load { repo.wasteRemoveAddress(id) }
        update { it.copy(error = r.errorOrNull, added = null) }
        load()
    }

    suspend fun search(text: String) {
        if (text.isBlank()) return update { it.copy(hits = null) }
        val r = load { repo.wasteSearch(text) }
        update { it.copy(hits = r.valueOrNull ?: emptyList(), error = r.errorOrNull) }
    }

    /** The core checks them (1–3 days, a minute of the day, known fractions) and keeps them. */
    suspend fun setPrefs(prefs: WasteReminderPrefs) {
        val r = load { repo.setWasteReminderPrefs(prefs) }
        update { it.copy(error = r.errorOrNull) }
        load()
    }
}
