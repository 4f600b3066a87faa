package pl.mmieszkaniec.app

import pl.mmieszkaniec.core.AccessNeed
import pl.mmieszkaniec.core.BikePathSummary
import pl.mmieszkaniec.core.Layer
import pl.mmieszkaniec.core.PlaceDetail
import pl.mmieszkaniec.core.PlaceSummary
import pl.mmieszkaniec.core.Tri
import pl.mmieszkaniec.core.Wheelchair
import java.util.Locale

/**
 * The map's values in words, Polish first, for the place card, the list
 * below the map and the filter labels, so TalkBack reads sentences and
 * never a symbol or a colour. "Brak danych" (no data) is said as such:
 * unknown is never shown as yes or no.
 */
object PlaceWords {
    private fun t(language: String, pl: String, en: String) = if (language == "en") en else pl

    fun layer(l: Layer, language: String = "pl"): String = when (l) {
        Layer.INFRASTRUCTURE -> t(language, "Infrastruktura gminna", "Municipal infrastructure")
        Layer.ATTRACTIONS -> t(language, "Atrakcje turystyczne", "Tourist attractions")
        Layer.MONUMENTS -> t(language, "Zabytki", "Monuments")
        Layer.BIKE_PATHS -> t(language, "Ścieżki rowerowe", "Bike paths")
    }

    /** The filter's checkbox labels: "I need …". */
    fun need(n: AccessNeed, language: String = "pl"): String = when (n) {
        AccessNeed.STEP_FREE -> t(language, "Wejście bez stopni", "Step-free entrance")
        AccessNeed.ACCESSIBLE_TOILET -> t(language, "Toaleta dla osób z niepełnosprawnościami", "Accessible toilet")
        AccessNeed.HEARING_LOOP -> t(language, "Pętla indukcyjna", "Hearing loop")
        AccessNeed.TACTILE_PAVING -> t(language, "Ścieżka dotykowa", "Tactile paving")
        AccessNeed.BRAILLE -> t(language, "Oznaczenia w brajlu", "Braille signage")
        AccessNeed.SIGN_LANGUAGE -> t(language, "Obsługa w języku migowym (PJM)", "Sign language (PJM) staff")
        AccessNeed.CHANGING_TABLE -> t(language, "Przewijak", "Changing table")
        AccessNeed.DISABLED_PARKING -> t(language, "Miejsca parkingowe dla osób z niepełnosprawnościami", "Disabled parking")
    }

    fun wheelchair(w: Wheelchair, language: String = "pl"): String = when (w) {
        Wheelchair.YES -> t(language, "dostępne dla wózków", "wheelchair accessible")
        Wheelchair.LIMITED -> t(language, "częściowo dostępne dla wózków", "partly wheelchair accessible")
        Wheelchair.NO -> t(language, "niedostępne dla wózków", "not wheelchair accessible")
        Wheelchair.UNKNOWN -> t(language, "dostępność dla wózków: brak danych", "wheelchair access: no data")
    }

    fun tri(v: Tri, language: String = "pl"): String = when (v) {
        Tri.YES -> t(language, "tak", "yes")
        Tri.NO -> t(language, "nie", "no")
        Tri.UNKNOWN -> t(language, "brak danych", "no data")
    }

    fun openNow(open: Boolean?, language: String = "pl"): String = when (open) {
        true -> t(language, "Otwarte teraz", "Open now")
        false -> t(language, "Teraz zamknięte", "Closed now")
        null -> t(language, "Godziny otwarcia: brak danych", "Opening hours: no data")
    }

    fun steps(count: UInt?, ramp: Tri, language: String = "pl"): String {
        val steps = when {
            count == null -> t(language, "Stopnie przy wejściu: brak danych", "Steps at the entrance: no data")
            count == 0u -> t(language, "Wejście bez stopni", "No steps at the entrance")
            else -> t(language, "Stopnie przy wejściu: $count", "Steps at the entrance: $count")
        }
        return steps + t(language, ", podjazd: ", ", ramp: ") + tri(ramp, language)
    }

    /** A marker or list row read as one sentence: name, category, wheelchair, open now, distance. */
    fun summary(p: PlaceSummary, language: String = "pl"): String = buildString {
        append(p.name).append(", ")
        append(if (language == "en") p.categoryNameEn else p.categoryNamePl).append(", ")
        append(wheelchair(p.wheelchair, language))
        p.openNow?.let { append(", ").append(openNow(it, language).lowercase(Locale.ROOT)) }
        p.distanceM?.let { append(", ").append(distance(it)) }
        p.address?.let { append(", ").append(it) }
    }

    fun bikePath(b: BikePathSummary, language: String = "pl"): String =
        "${b.name}, " + t(language, "ścieżka rowerowa", "bike path") + ", " + distance(b.lengthM)

    fun distance(m: Double): String =
        if (m < 1000) "%.0f m".format(Locale.ROOT, m) else "%.1f km".format(Locale.ROOT, m / 1000).replace('.', ',')

    /**
     * The card as TalkBack reads it, one sentence a line, in this order:
     * name, category, open now (and today's hours), wheelchair status,
     * toilet, steps and ramp, hearing loop, the other aids when known, the
     * notes per disability in the resident's language, address, contact.
     */
    fun card(d: PlaceDetail, language: String = "pl"): List<String> = buildList {
        val a = d.accessibility
        add(d.name)
        add(if (language == "en") d.categoryNameEn else d.categoryNamePl)
        d.lengthM?.let { add(t(language, "Długość: ", "Length: ") + distance(it)) }
        if (d.layer != Layer.BIKE_PATHS) {
            val hours = if (d.hoursToday.isEmpty()) "" else t(language, " (dziś ", " (today ") + d.hoursToday.joinToString(", ") + ")"
            add(openNow(d.openNow, language) + hours)
            add(wheelchair(a.wheelchair, language).replaceFirstChar { it.uppercase() })
            add(t(language, "Toaleta dla osób z niepełnosprawnościami: ", "Accessible toilet: ") + tri(a.toiletsWheelchair, language))
            add(steps(a.entranceStepCount, a.ramp, language))
            add(t(language, "Pętla indukcyjna: ", "Hearing loop: ") + tri(a.hearingLoop, language))
            listOf(
                t(language, "Ścieżka dotykowa: ", "Tactile paving: ") to a.tactilePaving,
                t(language, "Oznaczenia w brajlu: ", "Braille signage: ") to a.braille,
                t(language, "Obsługa w PJM: ", "Sign language staff: ") to a.signLanguage,
                t(language, "Przewijak: ", "Changing table: ") to a.changingTable,
            ).filter { it.second != Tri.UNKNOWN }.forEach { (label, v) -> add(label + tri(v, language)) }
            a.disabledParkingSpaces?.let { add(t(language, "Miejsca parkingowe dla osób z niepełnosprawnościami: $it", "Disabled parking spaces: $it")) }
        }
        addAll(notes(a.notes, language))
        d.address?.let { add(t(language, "Adres: ", "Address: ") + it) }
        d.phone?.let { add(t(language, "Telefon: ", "Phone: ") + it) }
        d.monumentRegisterNumber?.let { add(t(language, "Nr w rejestrze zabytków: ", "Monument register no.: ") + it) }
        d.monumentPeriod?.let { add(t(language, "Okres: ", "Period: ") + it) }
        val description = if (language == "en" && d.descriptionEn.isNotBlank()) d.descriptionEn else d.descriptionPl
        if (description.isNotBlank()) add(description)
    }

    /**
     * Notes per disability (`wheelchair:description:pl`, `deaf:…`, `blind:…`):
     * the resident's language, else Polish, each led by whom it concerns.
     */
    fun notes(notes: Map<String, String>, language: String = "pl"): List<String> {
        val byTopic = notes.entries.groupBy { it.key.substringBefore(":description") }
        val order = compareBy<String> { TOPICS.indexOf(it).let { i -> if (i < 0) TOPICS.size else i } }.thenBy { it }
        return byTopic.toSortedMap(order)
            .mapNotNull { (topic, entries) ->
                val text = entries.firstOrNull { it.key.endsWith(":$language") }?.value
                    ?: entries.firstOrNull { it.key.endsWith(":pl") }?.value
                    ?: entries.firstOrNull()?.value
                    ?: return@mapNotNull null
                topicLabel(topic, language) + ": " + text
            }
    }

    private val TOPICS = listOf("wheelchair", "blind", "deaf")

    private fun topicLabel(topic: String, language: String) = when (topic) {
        "wheelchair" -> t(language, "Dla osób na wózku", "For wheelchair users")
        "blind" -> t(language, "Dla osób niewidomych", "For blind people")
        "deaf" -> t(language, "Dla osób głuchych", "For deaf people")
        else -> t(language, "Uwagi", "Notes")
    }
}
