package pl.mmieszkaniec.app.ui

import android.Manifest
import android.content.ContentValues
import android.content.Intent
import android.content.pm.PackageManager
import android.graphics.BitmapFactory
import android.location.Location
import android.location.LocationManager
import android.net.Uri
import android.os.Bundle
import android.os.CancellationSignal
import android.provider.MediaStore
import android.text.InputType
import android.util.TypedValue
import android.view.View
import android.widget.EditText
import android.widget.ImageView
import android.widget.LinearLayout
import android.widget.RadioButton
import android.widget.RadioGroup
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.launch
import kotlinx.coroutines.withContext
import pl.mmieszkaniec.app.UserError
import pl.mmieszkaniec.app.state.ReportFlow
import pl.mmieszkaniec.app.state.ReportFlowState
import pl.mmieszkaniec.app.state.ReportStatusLabels
import pl.mmieszkaniec.core.AttributeType
import pl.mmieszkaniec.core.Direction
import pl.mmieszkaniec.core.LocationSource
import pl.mmieszkaniec.core.ReportCategory
import pl.mmieszkaniec.core.ReportDraft
import pl.mmieszkaniec.core.ReportReview
import pl.mmieszkaniec.core.ReportStep
import pl.mmieszkaniec.core.nudgePoint
import java.util.Locale

/**
 * "Zgłoś problem": one screen per step of [ReportFlow] (category →
 * location → photos → questions → description → review → sent). The draft
 * is stored by the core at every step, so leaving and coming back (or the
 * app being killed) loses nothing: [EXTRA_DRAFT_ID] resumes it.
 *
 * Location comes from the framework's [LocationManager] (no Google Play
 * services here): the last known fix at once, then a fresh one; the
 * resident can then move the pin in 5 m steps or type coordinates.
 */
class ReportActivity : ScreenActivity() {
    private lateinit var model: ReportFlow
    private lateinit var content: LinearLayout
    private var cameraUri: Uri? = null
    private var locating: CancellationSignal? = null

    /** The limits and hints the screens state ("Do 5 zdjęć"), from the core. */
    private val rules by lazy { repo.reportRules() }

    override fun onCreate(savedInstanceState: Bundle?) {
        super.onCreate(savedInstanceState)
        model = ReportFlow(repo)
        cameraUri = savedInstanceState?.getString(STATE_CAMERA_URI)?.let(Uri::parse)
        content = LinearLayout(this).apply { orientation = LinearLayout.VERTICAL; id = View.generateViewId() }
        column.addView(content)
        collect(model.state, ::show)
        val draftId = intent.getStringExtra(EXTRA_DRAFT_ID) ?: savedInstanceState?.getString(EXTRA_DRAFT_ID)
        // A barrier report started from the map's card, once: after a
        // restart the draft it made is resumed through the saved draft id.
        val barrierPlace = if (draftId == null && intent.hasExtra(EXTRA_BARRIER_PLACE_ID)) {
            intent.getLongExtra(EXTRA_BARRIER_PLACE_ID, 0L)
        } else {
            null
        }
        scope.launch {
            model.loadCategories()
            if (draftId != null) model.resume(draftId) else if (barrierPlace != null) model.startBarrierReport(barrierPlace)
        }
    }

    override fun onSaveInstanceState(outState: Bundle) {
        super.onSaveInstanceState(outState)
        model.state.value.draft?.let { outState.putString(EXTRA_DRAFT_ID, it.id) }
        cameraUri?.let { outState.putString(STATE_CAMERA_URI, it.toString()) }
    }

    override fun onDestroy() {
        locating?.cancel()
        super.onDestroy()
    }

    @Deprecated("Framework back handling; no AndroidX here.")
    override fun onBackPressed() {
        val s = model.state.value
        if (s.step == ReportStep.CATEGORY || s.done) {
            @Suppress("DEPRECATION")
            super.onBackPressed()
        } else {
            scope.launch { model.back() }
        }
    }

    private fun show(s: ReportFlowState) {
        content.removeAllViews()
        val title = heading(stepTitle(s))
        content.addView(title)
        val inWizard = !s.done && s.step != ReportStep.CATEGORY
        if (inWizard) {
            val n = s.step.ordinal
            content.addView(body(t("Krok $n z 5", "Step $n of 5"), secondary = true))
        }
        s.error?.let { content.addView(errorText(it)) }
        if (s.busy) content.addView(loading())
        when {
            s.submitted != null -> submitted(s)
            s.followedInstead != null -> {
                content.addView(body(t(
                    "Obserwujesz to zgłoszenie: powiadomimy Cię, gdy zmieni się jego status.",
                    "You follow this report: you will be notified when its status changes.",
                )))
                content.addView(button(t("Gotowe", "Done")) { finish() })
            }
            else -> when (s.step) {
                ReportStep.CATEGORY -> categories(s)
                ReportStep.LOCATION -> location(s.draft)
                ReportStep.PHOTOS -> photos(s)
                ReportStep.QUESTIONS -> questions(s.category, s.draft)
                ReportStep.DESCRIPTION -> description(s.draft)
                ReportStep.REVIEW -> render(s.review, content) { review(it, s.busy) }
            }
        }
        if (inWizard) {
            content.addView(button(t("Wstecz", "Back")) { scope.launch { model.back() } })
            content.addView(button(t("Porzuć zgłoszenie", "Discard the report")) {
                scope.launch { model.discard(); finish() }
            })
        }
        // Screen readers start at the step's title after every change.
        title.sendAccessibilityEvent(android.view.accessibility.AccessibilityEvent.TYPE_VIEW_FOCUSED)
    }

    private fun stepTitle(s: ReportFlowState): String = when {
        s.submitted != null -> t("Dziękujemy!", "Thank you!")
        s.followedInstead != null -> t("Obserwujesz zgłoszenie", "You follow the report")
        else -> stepTitle(s.step)
    }

    private fun stepTitle(step: ReportStep): String = when (step) {
        ReportStep.CATEGORY -> t("Co chcesz zgłosić?", "What do you want to report?")
        ReportStep.LOCATION -> t("Gdzie to jest?", "Where is it?")
        ReportStep.PHOTOS -> t("Zdjęcia", "Photos")
        ReportStep.QUESTIONS -> t("Szczegóły", "Details")
        ReportStep.DESCRIPTION -> t("Opis", "Description")
        ReportStep.REVIEW -> t("Sprawdź i wyślij", "Check and send")
    }

    private fun name(c: ReportCategory) = if (language == "en") c.nameEn else c.namePl

    // ---- category ----

    private fun categories(s: ReportFlowState) {
        render(s.categories, content) { list ->
            if (list.isEmpty()) {
                content.addView(body(t(
                    "Brak kategorii: połącz się z internetem, aby pobrać dane gminy.",
                    "No categories: connect to the internet to download the municipality's data.",
                ), secondary = true))
            }
            list.forEach { c ->
                val about = if (language == "en") c.descriptionEn else c.descriptionPl
                content.addView(row(name(c), about, "${name(c)}. $about") {
                    scope.launch { model.chooseCategory(c.id) }
                })
            }
        }
    }

    // ---- location ----

    private fun location(draft: ReportDraft?) {
        val p = draft?.point
        val where = if (p == null) {
            t("Nie wybrano jeszcze miejsca.", "No place chosen yet.")
        } else {
            val acc = draft.accuracyM?.let { t(", dokładność ±%.0f m", ", accuracy ±%.0f m").format(Locale.ROOT, it) } ?: ""
            val src = if (draft.locationSource == LocationSource.GPS) t("z GPS", "from GPS") else t("pinezka", "pin")
            "%.5f, %.5f (%s%s)".format(Locale.ROOT, p.lat, p.lon, src, acc)
        }
        content.addView(body(where).apply { accessibilityLiveRegion = View.ACCESSIBILITY_LIVE_REGION_POLITE })
        content.addView(button(t("Użyj mojej lokalizacji", "Use my location")) { useMyLocation() })
        if (p != null) {
            content.addView(body(t("Przesuń pinezkę o 5 m:", "Move the pin by 5 m:"), secondary = true))
            val nudges = LinearLayout(this).apply { orientation = LinearLayout.HORIZONTAL }
            // 5 m at the pin's latitude: the core does the geometry.
            listOf(
                t("Północ", "North") to Direction.NORTH,
                t("Południe", "South") to Direction.SOUTH,
                t("Zachód", "West") to Direction.WEST,
                t("Wschód", "East") to Direction.EAST,
            ).forEach { (label, direction) ->
                nudges.addView(button(label, t("Przesuń pinezkę na $label", "Move the pin $label")) {
                    val moved = nudgePoint(p, direction, NUDGE_M)
                    scope.launch { model.setLocation(moved.lat, moved.lon, source = LocationSource.PIN) }
                })
            }
            content.addView(nudges)
        }
        val lat = numberField(t("Szerokość geograficzna", "Latitude"), p?.lat?.let { "%.6f".format(Locale.ROOT, it) })
        val lon = numberField(t("Długość geograficzna", "Longitude"), p?.lon?.let { "%.6f".format(Locale.ROOT, it) })
        content.addView(lat)
        content.addView(lon)
        content.addView(button(t("Ustaw współrzędne", "Set the coordinates")) {
            val la = lat.text.toString().replace(',', '.').toDoubleOrNull()
            val lo = lon.text.toString().replace(',', '.').toDoubleOrNull()
            if (la != null && lo != null) scope.launch { model.setLocation(la, lo, source = LocationSource.PIN) }
        })
        if (p != null) content.addView(button(t("Dalej", "Next")) { scope.launch { model.next() } })
    }

    private fun numberField(label: String, value: String?): EditText = EditText(this).apply {
        hint = label
        contentDescription = label
        setText(value ?: "")
        inputType = InputType.TYPE_CLASS_NUMBER or InputType.TYPE_NUMBER_FLAG_DECIMAL or InputType.TYPE_NUMBER_FLAG_SIGNED
        setTextSize(TypedValue.COMPLEX_UNIT_SP, 17f)
        minimumHeight = dp(48)
        id = View.generateViewId()
    }

    private fun useMyLocation() {
        val granted = checkSelfPermission(Manifest.permission.ACCESS_FINE_LOCATION) == PackageManager.PERMISSION_GRANTED ||
            checkSelfPermission(Manifest.permission.ACCESS_COARSE_LOCATION) == PackageManager.PERMISSION_GRANTED
        if (!granted) {
            requestPermissions(
                arrayOf(Manifest.permission.ACCESS_FINE_LOCATION, Manifest.permission.ACCESS_COARSE_LOCATION),
                REQUEST_LOCATION,
            )
            return
        }
        val lm = getSystemService(LocationManager::class.java) ?: return
        val providers = listOf(LocationManager.GPS_PROVIDER, LocationManager.NETWORK_PROVIDER)
            .filter { runCatching { lm.isProviderEnabled(it) }.getOrDefault(false) }
        if (providers.isEmpty()) {
            showLocal(UserError("location_off", "Włącz lokalizację w telefonie albo wskaż miejsce ręcznie.", "Turn on location or set the place by hand."))
            return
        }
        try {
            // The last fix at once (if recent enough to help), then a fresh one.
            providers.mapNotNull { lm.getLastKnownLocation(it) }.maxByOrNull { it.time }?.let(::useFix)
            locating?.cancel()
            val signal = CancellationSignal().also { locating = it }
            lm.getCurrentLocation(providers.first(), signal, mainExecutor) { fix: Location? -> fix?.let(::useFix) }
        } catch (e: SecurityException) {
            showLocal(UserError("location_denied", "Brak zgody na lokalizację.", "Location permission denied."))
        }
    }

    private fun useFix(fix: Location) {
        val accuracy = if (fix.hasAccuracy()) fix.accuracy.toDouble() else null
        scope.launch { model.setLocation(fix.latitude, fix.longitude, accuracyM = accuracy, source = LocationSource.GPS) }
    }

    override fun onRequestPermissionsResult(requestCode: Int, permissions: Array<out String>, grantResults: IntArray) {
        super.onRequestPermissionsResult(requestCode, permissions, grantResults)
        if (requestCode == REQUEST_LOCATION) {
            if (grantResults.any { it == PackageManager.PERMISSION_GRANTED }) {
                useMyLocation()
            } else {
                showLocal(UserError(
                    "location_denied",
                    "Bez zgody na lokalizację wskaż miejsce ręcznie (współrzędne poniżej).",
                    "Without location permission, set the place by hand (coordinates below).",
                ))
            }
        }
    }

    /** A shell-side problem (permission, sensor) shown like the core's errors. */
    private fun showLocal(error: UserError) {
        content.addView(errorText(error), 1)
    }

    // ---- photos ----

    private fun photos(s: ReportFlowState) {
        val draft = s.draft ?: return
        content.addView(body(rules.photosHint, secondary = true))
        draft.photos.forEachIndexed { i, p ->
            val n = i + 1
            val thumb = ImageView(this).apply {
                val opts = BitmapFactory.Options().apply { inSampleSize = 8 }
                setImageBitmap(BitmapFactory.decodeFile(p.path, opts))
                adjustViewBounds = true
                maxHeight = dp(160)
                contentDescription = t("Zdjęcie $n", "Photo $n")
            }
            content.addView(thumb)
            content.addView(button(t("Usuń zdjęcie $n", "Remove photo $n")) { scope.launch { model.removePhoto(p.id) } })
        }
        if (s.canAddPhoto) {
            content.addView(button(t("Zrób zdjęcie", "Take a photo")) { takePhoto() })
            content.addView(button(t("Wybierz z galerii", "Choose from the gallery")) {
                @Suppress("DEPRECATION")
                startActivityForResult(Intent(Intent.ACTION_GET_CONTENT).setType("image/*").addCategory(Intent.CATEGORY_OPENABLE), REQUEST_GALLERY)
            })
        }
        content.addView(button(if (draft.photos.isEmpty()) t("Dalej bez zdjęcia", "Next without a photo") else t("Dalej", "Next")) {
            scope.launch { model.next() }
        })
    }

    /** The camera writes into a MediaStore entry we create (no FileProvider); it is deleted once read. */
    private fun takePhoto() {
        val values = ContentValues().apply {
            put(MediaStore.Images.Media.DISPLAY_NAME, "zgloszenie-${System.currentTimeMillis()}.jpg")
            put(MediaStore.Images.Media.MIME_TYPE, "image/jpeg")
        }
        val uri = contentResolver.insert(MediaStore.Images.Media.EXTERNAL_CONTENT_URI, values) ?: return
        cameraUri = uri
        val intent = Intent(MediaStore.ACTION_IMAGE_CAPTURE).putExtra(MediaStore.EXTRA_OUTPUT, uri)
            .addFlags(Intent.FLAG_GRANT_WRITE_URI_PERMISSION)
        @Suppress("DEPRECATION")
        startActivityForResult(intent, REQUEST_CAMERA)
    }

    @Deprecated("Framework activity results; no AndroidX here.")
    override fun onActivityResult(requestCode: Int, resultCode: Int, data: Intent?) {
        @Suppress("DEPRECATION")
        super.onActivityResult(requestCode, resultCode, data)
        val uri = when (requestCode) {
            REQUEST_CAMERA -> cameraUri.also { cameraUri = null }
            REQUEST_GALLERY -> data?.data
            else -> return
        } ?: return
        val temporary = requestCode == REQUEST_CAMERA
        if (resultCode != RESULT_OK) {
            if (temporary) contentResolver.delete(uri, null, null)
            return
        }
        scope.launch {
            val bytes = withContext(Dispatchers.IO) {
                runCatching { contentResolver.openInputStream(uri)?.use { it.readBytes() } }.getOrNull()
                    .also { if (temporary) runCatching { contentResolver.delete(uri, null, null) } }
            }
            if (bytes == null) {
                showLocal(UserError("photo_unreadable", "Nie udało się odczytać zdjęcia.", "The photo could not be read."))
            } else {
                model.addPhoto(bytes)
            }
        }
    }

    // ---- questions ----

    private fun questions(category: ReportCategory?, draft: ReportDraft?) {
        val attributes = category?.attributes.orEmpty()
        val readers = mutableMapOf<String, () -> String?>()
        attributes.forEach { a ->
            val label = (if (language == "en") a.labelEn else a.labelPl) + if (a.required) t(" (wymagane)", " (required)") else ""
            val answer = draft?.answers?.get(a.code)
            val labelView = body(label)
            content.addView(labelView)
            when (a.datatype) {
                AttributeType.SINGLE_CHOICE -> {
                    val group = RadioGroup(this).apply { contentDescription = label; id = View.generateViewId() }
                    a.values.forEach { v ->
                        group.addView(RadioButton(this).apply {
                            text = if (language == "en") v.nameEn else v.namePl
                            tag = v.key
                            id = View.generateViewId()
                            minimumHeight = dp(48)
                            setTextSize(TypedValue.COMPLEX_UNIT_SP, 17f)
                            isChecked = v.key == answer
                        })
                    }
                    content.addView(group)
                    readers[a.code] = { group.findViewById<RadioButton>(group.checkedRadioButtonId)?.tag as? String }
                }
                AttributeType.NUMBER, AttributeType.TEXT -> {
                    val field = EditText(this).apply {
                        hint = label
                        contentDescription = label
                        setText(answer ?: "")
                        inputType = if (a.datatype == AttributeType.NUMBER) InputType.TYPE_CLASS_NUMBER else InputType.TYPE_CLASS_TEXT
                        setTextSize(TypedValue.COMPLEX_UNIT_SP, 17f)
                        minimumHeight = dp(48)
                        id = View.generateViewId()
                    }
                    labelView.labelFor = field.id
                    content.addView(field)
                    readers[a.code] = { field.text.toString() }
                }
            }
        }
        content.addView(button(t("Dalej", "Next")) {
            val answers = readers.mapValues { (_, read) -> read() }
            scope.launch {
                model.setAnswers(answers)
                if (model.state.value.error == null) model.next()
            }
        })
    }

    // ---- description ----

    private fun description(draft: ReportDraft?) {
        val text = EditText(this).apply {
            hint = rules.descriptionHint
            contentDescription = hint
            setText(draft?.description ?: "")
            inputType = InputType.TYPE_CLASS_TEXT or InputType.TYPE_TEXT_FLAG_MULTI_LINE or InputType.TYPE_TEXT_FLAG_CAP_SENTENCES
            minLines = 4
            setTextSize(TypedValue.COMPLEX_UNIT_SP, 17f)
            id = View.generateViewId()
        }
        val address = EditText(this).apply {
            hint = t("Adres lub punkt orientacyjny (opcjonalnie)", "Address or landmark (optional)")
            contentDescription = hint
            setText(draft?.address ?: "")
            inputType = InputType.TYPE_CLASS_TEXT or InputType.TYPE_TEXT_VARIATION_POSTAL_ADDRESS
            setTextSize(TypedValue.COMPLEX_UNIT_SP, 17f)
            minimumHeight = dp(48)
            id = View.generateViewId()
        }
        content.addView(text)
        content.addView(address)
        content.addView(button(t("Dalej", "Next")) {
            scope.launch {
                model.setDescription(text.text.toString(), address.text.toString())
                if (model.state.value.error == null) model.next()
            }
        })
    }

    // ---- review ----

    private fun review(r: ReportReview, busy: Boolean) {
        val d = r.draft
        r.category?.let { content.addView(body(t("Kategoria: ", "Category: ") + name(it))) }
        d.point?.let { content.addView(body(t("Miejsce: ", "Place: ") + "%.5f, %.5f".format(Locale.ROOT, it.lat, it.lon) + (d.address?.let { a -> " ($a)" } ?: ""))) }
        content.addView(body(t("Zdjęcia: ", "Photos: ") + d.photos.size))
        r.category?.attributes?.forEach { a ->
            val v = d.answers[a.code] ?: return@forEach
            val shown = a.values.find { it.key == v }?.let { if (language == "en") it.nameEn else it.namePl } ?: v
            content.addView(body((if (language == "en") a.labelEn else a.labelPl) + ": " + shown))
        }
        if (d.description.isNotBlank()) content.addView(body(d.description))

        r.problem?.let { p ->
            content.addView(errorText(UserError(p.code, p.messagePl, p.messageEn, p.field)))
            content.addView(button(t("Popraw", "Fix it")) { scope.launch { model.goTo(p.step) } })
        }
        if (r.possibleDuplicates.isNotEmpty()) {
            content.addView(heading(t("To może już być zgłoszone — obserwuj zamiast tego?", "This may already be reported — follow it instead?"), level = 2))
            r.possibleDuplicates.forEach { s ->
                val status = ReportStatusLabels.label(s.status, language)
                val line = t("%s, %.0f m stąd: %s", "%s, %.0f m away: %s").format(Locale.ROOT, status, s.distanceM, s.description)
                content.addView(body(line))
                content.addView(button(t("Obserwuj zgłoszenie nr ${s.id}", "Follow report no. ${s.id}")) {
                    scope.launch { model.followInstead(s.id) }
                })
            }
        }
        if (r.problem == null) {
            content.addView(button(t("Wyślij zgłoszenie", "Send the report")) {
                if (!busy) scope.launch {
                    if (model.submit() != null) runCatching { repo.flushOutbox() }
                }
            })
        }
    }

    private fun submitted(s: ReportFlowState) {
        content.addView(body(t(
            "Zgłoszenie zapisane. Wyślemy je od razu, a bez internetu — gdy tylko połączenie wróci. Jego los śledzisz w „Moich zgłoszeniach”.",
            "The report is saved. It is sent at once, or as soon as you are back online. Follow it in “My reports”.",
        )).apply { accessibilityLiveRegion = View.ACCESSIBILITY_LIVE_REGION_POLITE })
        content.addView(button(t("Moje zgłoszenia", "My reports")) {
            open(MyReportsActivity::class.java) { s.submitted?.let { putExtra(MyReportsActivity.EXTRA_LOCAL_ID, it.localId) } }
            finish()
        })
    }

    companion object {
        /** A draft (or an edited failed report) to continue. */
        const val EXTRA_DRAFT_ID = "draft_id"

        /** A new barrier report at this place (Long): the core fills it in. */
        const val EXTRA_BARRIER_PLACE_ID = "barrier_place_id"

        /** How far one nudge moves the pin. */
        private const val NUDGE_M = 5.0
        private const val STATE_CAMERA_URI = "camera_uri"
        private const val REQUEST_LOCATION = 1
        private const val REQUEST_CAMERA = 2
        private const val REQUEST_GALLERY = 3
    }
}
