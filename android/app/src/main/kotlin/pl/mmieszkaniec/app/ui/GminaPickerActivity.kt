package pl.mmieszkaniec.app.ui

import android.Manifest
import android.content.Intent
import android.content.pm.PackageManager
import android.location.Location
import android.location.LocationListener
import android.location.LocationManager
import android.os.Build
import android.os.Bundle
import android.os.CancellationSignal
import android.os.Looper
import android.text.Editable
import android.text.TextWatcher
import android.util.TypedValue
import android.view.inputmethod.EditorInfo
import android.widget.EditText
import kotlinx.coroutines.Job
import kotlinx.coroutines.delay
import kotlinx.coroutines.launch
import pl.mmieszkaniec.app.state.GminaPickerModel
import pl.mmieszkaniec.app.state.GminaPickerState
import pl.mmieszkaniec.core.GeoPoint
import pl.mmieszkaniec.core.GminaChoice

/**
 * "Wybierz gminę": on first start, when the core has no gmina chosen (every
 * other screen sends the resident here), and from Settings ("Zmień gminę",
 * [EXTRA_SWITCH]). A search field (name, powiat or TERYT; the core folds
 * Polish letters), the list, and "Użyj mojej lokalizacji" (the framework's
 * [LocationManager]: the gminas whose boundary holds the phone). When the
 * deployment has exactly one gmina the core chooses it and Home opens at
 * once. A choice opens Home anew, in the chosen gmina.
 */
class GminaPickerActivity : ScreenActivity() {
    private lateinit var model: GminaPickerModel
    private lateinit var results: Section
    private var pending: Job? = null
    private var locating: CancellationSignal? = null
    private var left = false

    override val needsGmina: Boolean get() = false

    override fun onCreateScreen(savedInstanceState: Bundle?) {
        title = t(Texts.CHOOSE_GMINA)
        val switching = intent.getBooleanExtra(EXTRA_SWITCH, false)
        model = holder { GminaPickerModel(repo) }
        column.addView(heading(t(Texts.CHOOSE_GMINA)))
        column.addView(body(t(Texts.CHOOSE_GMINA_ABOUT), secondary = true))
        // A hint and no contentDescription: TalkBack then reads what is typed.
        val input = EditText(this).apply {
            hint = t(Texts.GMINA_SEARCH_HINT)
            setTextSize(TypedValue.COMPLEX_UNIT_SP, 18f)
            minimumHeight = dp(48)
            inputType = EditorInfo.TYPE_CLASS_TEXT
            imeOptions = EditorInfo.IME_ACTION_SEARCH
            id = stableId("gmina-search")
        }
        column.addView(input)
        column.addView(button(t(Texts.USE_MY_LOCATION)) { useMyLocation() }.apply { id = stableId("gmina-locate") })
        results = Section(this)
        column.addView(results.layout)
        results.layout.accessibilityTraversalAfter = input.id
        input.addTextChangedListener(object : TextWatcher {
            override fun beforeTextChanged(s: CharSequence?, start: Int, count: Int, after: Int) = Unit
            override fun onTextChanged(s: CharSequence?, start: Int, before: Int, count: Int) = Unit
            override fun afterTextChanged(s: Editable?) {
                val query = s?.toString().orEmpty()
                if (query == model.state.value.query) return
                pending?.cancel()
                // One directory request per pause in typing, not per key.
                pending = work.launch {
                    delay(300)
                    model.search(query)
                }
            }
        })
        collect(model.state, ::show)
        if (!restored) act { model.load(switching) }
    }

    private fun show(state: GminaPickerState) {
        state.chosen?.let { leaveFor(it); return }
        results.show {
            (state.current as? GminaChoice.Chosen)?.let { c ->
                body(t(Texts.CURRENT_GMINA) + (c.name ?: c.teryt), secondary = true, key = "current")
            }
            state.chooseError?.let { error(it, key = "choose") }
            load(state.list, key = "gminas") { list ->
                if (list.offline) body(t(Texts.GMINAS_OFFLINE), secondary = true, key = "offline", live = true)
                if (list.gminas.isEmpty()) body(t(Texts.NO_GMINA_FOUND), secondary = true, key = "none", live = true)
                list.gminas.forEach { g ->
                    val area = listOfNotNull(
                        g.powiat.takeIf { it.isNotEmpty() }?.let { t(Texts.POWIAT) + it },
                        g.voivodeship.takeIf { it.isNotEmpty() }?.let { t(Texts.VOIVODESHIP) + it },
                    ).joinToString(", ")
                    val spoken = listOf(g.name, area, "TERYT ${g.teryt}").filter { it.isNotEmpty() }.joinToString(". ")
                    row(g.name, area, spoken, key = "gmina-${g.teryt}") { act { model.choose(g.teryt) } }
                }
            }
        }
    }

    /** Home anew, in the chosen gmina: nothing of the gmina before stays on the back stack. */
    private fun leaveFor(@Suppress("UNUSED_PARAMETER") chosen: GminaChoice.Chosen) {
        if (left) return
        left = true
        startActivity(Intent(this, HomeActivity::class.java).addFlags(Intent.FLAG_ACTIVITY_NEW_TASK or Intent.FLAG_ACTIVITY_CLEAR_TASK))
        finish()
    }

    private fun useMyLocation() {
        val granted = checkSelfPermission(Manifest.permission.ACCESS_FINE_LOCATION) == PackageManager.PERMISSION_GRANTED ||
            checkSelfPermission(Manifest.permission.ACCESS_COARSE_LOCATION) == PackageManager.PERMISSION_GRANTED
        if (!granted) {
            // Coarse is enough to tell gminas apart; fine is offered with it (Android 12+ lets the resident pick).
            requestPermissions(arrayOf(Manifest.permission.ACCESS_COARSE_LOCATION, Manifest.permission.ACCESS_FINE_LOCATION), REQUEST_LOCATION)
            return
        }
        val lm = getSystemService(LocationManager::class.java) ?: return
        val providers = listOf(LocationManager.NETWORK_PROVIDER, LocationManager.GPS_PROVIDER)
            .filter { runCatching { lm.isProviderEnabled(it) }.getOrDefault(false) }
        if (providers.isEmpty()) {
            showProblem(Texts.GMINA_LOCATION_OFF)
            return
        }
        showProblem(null)
        try {
            val last = providers.mapNotNull { lm.getLastKnownLocation(it) }.maxByOrNull { it.time }
            if (last != null) {
                useFix(last)
                return
            }
            locating?.cancel()
            val signal = CancellationSignal().also { locating = it }
            if (Build.VERSION.SDK_INT >= 30) {
                lm.getCurrentLocation(providers.first(), signal, mainExecutor) { fix: Location? -> fix?.let(::useFix) }
            } else {
                val listener = LocationListener { fix -> useFix(fix) }
                signal.setOnCancelListener { lm.removeUpdates(listener) }
                @Suppress("DEPRECATION")
                lm.requestSingleUpdate(providers.first(), listener, Looper.getMainLooper())
            }
        } catch (_: SecurityException) {
            showProblem(Texts.GMINA_LOCATION_DENIED)
        }
    }

    private fun useFix(fix: Location) {
        act { model.near(GeoPoint(fix.latitude, fix.longitude)) }
    }

    override fun onRequestPermissionsResult(requestCode: Int, permissions: Array<out String>, grantResults: IntArray) {
        super.onRequestPermissionsResult(requestCode, permissions, grantResults)
        if (requestCode == REQUEST_LOCATION) {
            if (grantResults.any { it == PackageManager.PERMISSION_GRANTED }) useMyLocation() else showProblem(Texts.GMINA_LOCATION_DENIED)
        }
    }

    override fun onDestroy() {
        locating?.cancel()
        super.onDestroy()
    }

    companion object {
        /** From Settings: list even when the deployment has one gmina, and show the current one. */
        const val EXTRA_SWITCH = "switch"
        private const val REQUEST_LOCATION = 1
    }
}
