package pl.mmieszkaniec.app.state

import pl.mmieszkaniec.app.Repository
import pl.mmieszkaniec.app.UserError
import pl.mmieszkaniec.app.startDay
import pl.mmieszkaniec.app.toUserError
import pl.mmieszkaniec.core.CalendarEntry
import pl.mmieszkaniec.core.CoreListener
import pl.mmieszkaniec.core.CoreStatus
import pl.mmieszkaniec.core.EventCategory
import pl.mmieszkaniec.core.EventDetail
import pl.mmieszkaniec.core.EventOccurrence
import pl.mmieszkaniec.core.HomeScreen
import pl.mmieszkaniec.core.MonthView
import pl.mmieszkaniec.core.News
import pl.mmieszkaniec.core.Notification
import pl.mmieszkaniec.core.NotificationLink
import pl.mmieszkaniec.core.SearchHit
import java.time.LocalDate
import java.time.YearMonth
import kotlinx.coroutines.CancellationException

data class HomeState(
    val content: Load<HomeScreen> = Load.Loading,
    val syncing: Boolean = false,
    /** The last sync's failure; the local data above still shows. */
    val syncError: UserError? = null,
)

/** Home: alerts, upcoming events, latest news. Reads first, then syncs. */
class HomeModel(private val repo: Repository) : StateHolder<HomeState>(HomeState()) {
    suspend fun load() {
        val content = load { repo.home() }
        update { it.copy(content = content) }
    }

    /** Pulls from the server, then shows what the store holds (even offline). */
    suspend fun sync(listener: CoreListener? = null) {
        update { it.copy(syncing = true) }
        val error = try {
            repo.sync(listener)
            null
        } catch (e: CancellationException) {
            update { it.copy(syncing = false) }
            throw e
        } catch (e: Exception) {
            e.toUserError()
        }
        update { it.copy(syncing = false, syncError = error) }
        load()
    }
}

data class NewsState(
    val list: Load<List<News>> = Load.Loading,
    /** The item opened, if any. */
    val open: Load<News>? = null,
)

class NewsModel(private val repo: Repository) : StateHolder<NewsState>(NewsState()) {
    suspend fun load() {
        val list = load { repo.news() }
        update { it.copy(list = list) }
    }

    private val opening = Opening()

    suspend fun open(id: Long) {
        val ticket = opening.start()
        update { it.copy(open = Load.Loading) }
        val item = load { repo.newsItem(id) }
        update { if (opening.isLatest(ticket)) it.copy(open = item) else it }
    }

    fun closeItem() {
        opening.close()
        update { it.copy(open = null) }
    }
}

data class EventsState(
    val category: String? = null,
    /** The filter's choices. */
    val categories: List<EventCategory> = emptyList(),
    val list: Load<List<EventOccurrence>> = Load.Loading,
) {
    /** The list grouped by Warsaw day, in order, for section headings. */
    val byDay: Map<LocalDate, List<EventOccurrence>>
        get() = list.valueOrNull.orEmpty().groupBy { it.startDay }
}

class EventsModel(private val repo: Repository, private val limit: Int = 100) :
    StateHolder<EventsState>(EventsState()) {
    /** The categories for the filter (none yet before the first sync). */
    suspend fun loadCategories() {
        val categories = load { repo.eventCategories() }.valueOrNull.orEmpty()
        update { it.copy(categories = categories) }
    }

    suspend fun load(category: String? = state.value.category) {
        update { it.copy(category = category, list = Load.Loading) }
        val list = load { repo.upcomingEvents(limit, category) }
        update { it.copy(list = list) }
    }
}

data class EventDetailState(
    val detail: Load<EventDetail> = Load.Loading,
    /** The iCalendar text once asked for (share as .ics). */
    val ics: Load<String>? = null,
)

class EventDetailModel(private val repo: Repository, val eventId: Long) :
    StateHolder<EventDetailState>(EventDetailState()) {
    suspend fun load() {
        val detail = load { repo.event(eventId) }
        update { it.copy(detail = detail) }
    }

    suspend fun loadIcs() {
        val ics = load { repo.eventIcs(eventId) }
        update { it.copy(ics = ics) }
    }

    /** What "add to calendar" hands the phone's calendar (the core's mapping). */
    suspend fun calendarEntry(): Load<CalendarEntry> = load { repo.calendarEntry(eventId) }
}

data class SearchState(
    val query: String = "",
    /** Null until the first search; empty when nothing matched. */
    val hits: Load<List<SearchHit>>? = null,
)

class SearchModel(private val repo: Repository) : StateHolder<SearchState>(SearchState()) {
    suspend fun search(query: String) {
        if (query.isBlank()) {
            update { SearchState(query = query) }
            return
        }
        update { it.copy(query = query, hits = Load.Loading) }
        val hits = load { repo.search(query) }
        // A newer query may have been typed meanwhile: keep only the latest's hits.
        update { if (it.query == query) it.copy(hits = hits) else it }
    }
}

data class CalendarMonthState(
    val month: YearMonth,
    val days: Load<MonthView> = Load.Loading,
    val selectedDay: LocalDate? = null,
    val dayEvents: Load<List<EventOccurrence>>? = null,
) {
    /** Events per day of the month (absent days have none). */
    val counts: Map<Int, Int>
        get() = days.valueOrNull?.days.orEmpty().associate { it.day.toInt() to it.count.toInt() }
}

class CalendarMonthModel(private val repo: Repository, month: YearMonth) :
    StateHolder<CalendarMonthState>(CalendarMonthState(month)) {
    suspend fun show(month: YearMonth = state.value.month) {
        update { CalendarMonthState(month) }
        val days = load { repo.month(month) }
        update { if (it.month == month) it.copy(days = days) else it }
    }

    suspend fun next() = show(state.value.month.plusMonths(1))
    suspend fun previous() = show(state.value.month.minusMonths(1))

    suspend fun select(day: LocalDate) {
        update { it.copy(selectedDay = day, dayEvents = Load.Loading) }
        val events = load { repo.eventsOn(day) }
        update { if (it.selectedDay == day) it.copy(dayEvents = events) else it }
    }
}

data class SettingsState(
    val status: Load<CoreStatus> = Load.Loading,
    /** What the resident typed in the server address field. */
    val serverUrlInput: String = "",
    /** The gmina the app shows ("Zmień gminę" beside it). */
    val gmina: Load<pl.mmieszkaniec.core.GminaChoice> = Load.Loading,
    val saving: Boolean = false,
    val saveError: UserError? = null,
    /** Days before a tax instalment's due date the reminder comes (1–7, the core's default 3); null: not known yet. */
    val taxReminderDays: Int? = null,
    val reminderError: UserError? = null,
)

class SettingsModel(private val repo: Repository) : StateHolder<SettingsState>(SettingsState()) {
    suspend fun load() {
        val status = load { repo.status() }
        val gmina = load { repo.gminaChoice() }
        // Per gmina: none before one is chosen (then the setting is not shown).
        val days = load { repo.taxReminderDays() }.valueOrNull
        update {
            it.copy(status = status, gmina = gmina, serverUrlInput = status.valueOrNull?.serverUrl ?: it.serverUrlInput, taxReminderDays = days)
        }
    }

    /** 1–7 days before the due date (the core keeps it and refuses anything else). */
    suspend fun setTaxReminderDays(days: Int) {
        val r = load { repo.setTaxReminderDays(days) }
        val stored = load { repo.taxReminderDays() }.valueOrNull
        update { it.copy(reminderError = r.errorOrNull, taxReminderDays = stored ?: it.taxReminderDays) }
    }

    fun edit(url: String) = update { it.copy(serverUrlInput = url, saveError = null) }

    /** Stores the address (the core validates it); true when it was taken. */
    suspend fun save(): Boolean {
        update { it.copy(saving = true, saveError = null) }
        val result = load { repo.setServerUrl(state.value.serverUrlInput) }
        update { it.copy(saving = false, saveError = result.errorOrNull) }
        if (result is Load.Ready) load()
        return result is Load.Ready
    }
}

/**
 * Where a notification leads: the core's [pl.mmieszkaniec.core.NotificationLink],
 * with the report's local id when it was made on this phone (My reports
 * opens by local id).
 */
sealed interface NotificationTarget {
    data class NewsItem(val id: Long) : NotificationTarget
    /** [localId]: the report in My reports when it was made on this phone (a followed one is not). */
    data class Report(val serverId: Long, val localId: Long?) : NotificationTarget
    data class Event(val id: Long) : NotificationTarget
    data class Consultation(val id: Long) : NotificationTarget
    /** An https page (the core leads nowhere otherwise). */
    data class Url(val url: String) : NotificationTarget
    data object Nowhere : NotificationTarget
}

data class NotificationsState(
    val list: Load<List<Notification>> = Load.Loading,
    /** Marking one read failed; the list still shows. */
    val actionError: UserError? = null,
)

/** The inbox: every notification the core raised, newest first, read or not. */
class NotificationsModel(private val repo: Repository) : StateHolder<NotificationsState>(NotificationsState()) {
    suspend fun load() {
        val list = load { repo.notifications() }
        update { it.copy(list = list) }
    }

    /** Marks [n] read (the inbox and Home's count drop) and says where it leads. */
    suspend fun open(n: Notification): NotificationTarget {
        if (!n.read) {
            val marked = load { repo.markNotificationRead(n.id) }
            update { it.copy(actionError = marked.errorOrNull) }
            load()
        }
        return when (val link = n.link) {
            is NotificationLink.NewsItem -> NotificationTarget.NewsItem(link.newsId)
            is NotificationLink.Report -> {
                val mine = load { repo.myReports() }.valueOrNull.orEmpty().firstOrNull { it.serverId == link.reportId }
                NotificationTarget.Report(link.reportId, mine?.localId)
            }
            is NotificationLink.Event -> NotificationTarget.Event(link.eventId)
            is NotificationLink.Consultation -> NotificationTarget.Consultation(link.consultationId)
            is NotificationLink.Url -> NotificationTarget.Url(link.url)
            NotificationLink.Nowhere -> NotificationTarget.Nowhere
        }
    }
}
