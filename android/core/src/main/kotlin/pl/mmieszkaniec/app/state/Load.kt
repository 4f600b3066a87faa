package pl.mmieszkaniec.app.state

import kotlinx.coroutines.CancellationException
import kotlinx.coroutines.flow.MutableStateFlow
import kotlinx.coroutines.flow.StateFlow
import kotlinx.coroutines.flow.asStateFlow
import kotlinx.coroutines.flow.update
import pl.mmieszkaniec.app.UserError
import pl.mmieszkaniec.app.toUserError

/** A piece of a screen that is loading, loaded, or failed. */
sealed interface Load<out T> {
    data object Loading : Load<Nothing>
    data class Ready<T>(val value: T) : Load<T>
    data class Failed(val error: UserError) : Load<Nothing>

    val valueOrNull: T? get() = (this as? Ready<T>)?.value
    val errorOrNull: UserError? get() = (this as? Failed)?.error
}

/** Runs [block]; a failure becomes [Load.Failed] (cancellation still cancels). */
suspend fun <T> load(block: suspend () -> T): Load<T> = try {
    Load.Ready(block())
} catch (e: CancellationException) {
    throw e
} catch (e: Exception) {
    Load.Failed(e.toUserError())
}

/**
 * A screen's state as a [StateFlow] the UI collects and renders. The
 * holders only fetch and keep what the core answered: every rule (what is
 * an alert, what "upcoming" means, search folding) is the core's.
 * Methods are `suspend`: the UI launches them in its own scope, so they die
 * with the screen.
 */
abstract class StateHolder<S>(initial: S) {
    private val mutable = MutableStateFlow(initial)
    val state: StateFlow<S> = mutable.asStateFlow()
    protected fun update(change: (S) -> S) = mutable.update(change)
}

/**
 * A piece the resident opens (an item, a card, a confirmation) and may close,
 * or replace by opening another, while it loads: only the latest opening's
 * answer lands, and none after a close. Without it, Back pressed on a loading
 * item was undone when the answer came.
 */
class Opening {
    private val latest = java.util.concurrent.atomic.AtomicLong()

    /** A new opening; the earlier ones' answers are dropped from now on. */
    fun start(): Long = latest.incrementAndGet()

    /** Closed: every opening's answer is dropped. */
    fun close() {
        latest.incrementAndGet()
    }

    fun isLatest(ticket: Long): Boolean = latest.get() == ticket
}
