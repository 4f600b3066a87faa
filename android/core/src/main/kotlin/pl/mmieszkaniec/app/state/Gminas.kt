package pl.mmieszkaniec.app.state

import pl.mmieszkaniec.app.Repository
import pl.mmieszkaniec.app.UserError
import pl.mmieszkaniec.core.GeoPoint
import pl.mmieszkaniec.core.GminaChoice
import pl.mmieszkaniec.core.GminaList

data class GminaPickerState(
    /** The gmina the app shows now; `NotChosen` on first start. */
    val current: GminaChoice = GminaChoice.NotChosen,
    val query: String = "",
    /** The directory's answer to [query] or to the location; `offline` said above the list. */
    val list: Load<GminaList> = Load.Loading,
    /** Choosing failed (a code the core refused); the list still shows. */
    val chooseError: UserError? = null,
    /** Set once a gmina is chosen: the screen then leaves for Home. */
    val chosen: GminaChoice.Chosen? = null,
)

/**
 * The gmina picker: on first start (the core has none chosen) and from
 * Settings ("Zmień gminę"). The directory, its search, "use my location"
 * and the choice are the core's; this only keeps what it answered.
 */
class GminaPickerModel(private val repo: Repository) : StateHolder<GminaPickerState>(GminaPickerState()) {
    /**
     * First start ([switching] false): when the deployment lists exactly
     * one gmina the core chooses it and the picker is never seen. Then
     * the whole directory.
     */
    suspend fun load(switching: Boolean) {
        val current = if (switching) load { repo.gminaChoice() } else load { repo.chooseSoleGmina() }
        val choice = current.valueOrNull ?: GminaChoice.NotChosen
        if (!switching && choice is GminaChoice.Chosen) {
            update { it.copy(current = choice, chosen = choice) }
            return
        }
        update { it.copy(current = choice) }
        search(state.value.query)
    }

    suspend fun search(query: String) {
        update { it.copy(query = query, list = Load.Loading) }
        val list = load { repo.gminas(query) }
        // A later search wins over an answer that comes back late.
        update { if (it.query == query) it.copy(list = list) else it }
    }

    /** "Użyj mojej lokalizacji" with the phone's position. */
    suspend fun near(point: GeoPoint) {
        update { it.copy(list = Load.Loading) }
        val list = load { repo.gminasAt(point) }
        update { it.copy(list = list) }
    }

    suspend fun choose(teryt: String) {
        update { it.copy(chooseError = null) }
        when (val result = load { repo.chooseGmina(teryt) }) {
            is Load.Ready -> (result.value as? GminaChoice.Chosen)?.let { c -> update { it.copy(current = c, chosen = c) } }
            is Load.Failed -> update { it.copy(chooseError = result.error) }
            Load.Loading -> Unit
        }
    }
}
