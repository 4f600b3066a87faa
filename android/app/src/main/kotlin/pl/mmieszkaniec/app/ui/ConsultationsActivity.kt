package pl.mmieszkaniec.app.ui

import android.os.Bundle
import pl.mmieszkaniec.app.state.ConsultationsModel
import pl.mmieszkaniec.app.state.ConsultationsState
import pl.mmieszkaniec.core.ConsultationCard
import pl.mmieszkaniec.core.ConsultationStatus

/**
 * "Konsultacje społeczne": the gmina's consultations as the core orders
 * them, those taking answers first ("Otwarte"), then the closed ones, each
 * with its status in the core's words; a row opens the survey (or, for a
 * closed one, its published summary). Refreshed once per visit.
 */
class ConsultationsActivity : ScreenActivity() {
    private lateinit var model: ConsultationsModel
    private lateinit var content: Section
    private var resumedBefore = false

    override fun onCreateScreen(savedInstanceState: Bundle?) {
        title = t(Texts.CONSULTATIONS)
        model = holder { ConsultationsModel(repo) }
        content = Section(this)
        column.addView(content.layout)
        collect(model.state, ::show)
        if (!restored) act {
            model.load()
            model.refresh()
        }
    }

    /** Back from a survey (an answer sent): its state in the list again. */
    override fun onResume() {
        super.onResume()
        if (resumedBefore) act { model.load() }
        resumedBefore = true
    }

    private fun show(s: ConsultationsState) = content.show {
        heading(t(Texts.CONSULTATIONS), level = 1, key = "title")
        if (s.refreshing) body(t(Texts.SYNCING), secondary = true, key = "refreshing")
        s.refreshError?.let { error(it, key = "refresh") }
        load(s.list, key = "list") { list ->
            body(list.fetchedText, secondary = true, key = "fetched")
            if (list.consultations.isEmpty()) body(t(Texts.NO_CONSULTATIONS), secondary = true, key = "none")
            // Grouped by what the core says of each; its order kept within a group.
            val (open, rest) = list.consultations.partition { it.acceptsAnswers }
            val (closed, upcoming) = rest.partition { it.status == ConsultationStatus.CLOSED || it.status == ConsultationStatus.PUBLISHED }
            group(Texts.CONSULTATIONS_OPEN, "open", open)
            group(Texts.CONSULTATIONS_UPCOMING, "upcoming", upcoming)
            group(Texts.CONSULTATIONS_CLOSED, "closed", closed)
        }
    }

    private fun Section.Builder.group(name: Text, key: String, cards: List<ConsultationCard>) {
        if (cards.isEmpty()) return
        heading(t(name), key = "group-$key")
        cards.forEach { c ->
            val parts = listOf(c.statusText, t(Texts.questionsCount(c.questions)))
            row(c.title, parts.joinToString(" · "), "${c.title}. " + parts.joinToString(". ") + ".", key = "consultation-${c.id}") {
                open(SurveyActivity::class.java) { putExtra(SurveyActivity.EXTRA_CONSULTATION, c.id) }
            }
        }
    }
}
