package pl.mmieszkaniec.app.ui

/** One piece of the app's own wording, Polish first. */
class Text(val pl: String, val en: String) {
    /** English for an `en` phone, Polish otherwise (as the core resolves its language). */
    fun of(language: String): String = if (language == "en") en else pl
}

/**
 * The app's own words: titles, buttons, hints, the chrome around what the
 * core says. Everything about the gmina's data comes from the core in the
 * resident's language instead (dates and spans, counts with their plural,
 * card lines, labels of layers and needs, report states and statuses, the
 * report rules' hints, every error message), and none of it is repeated here.
 *
 * One catalogue rather than `res/values-*` string resources: CI compiles the
 * app with Maven and aapt, without the Android Gradle plugin's resource
 * pipeline, so a string resource could not be checked by any test here.
 * A translator edits this file only.
 */
object Texts {
    // ---- app and navigation ----
    val APP = Text("mMieszkaniec", "mMieszkaniec")
    val REPORT_PROBLEM = Text("Zgłoś problem", "Report a problem")
    val MY_REPORTS = Text("Moje zgłoszenia", "My reports")
    val MAP = Text("Mapa", "Map")
    val NEWS = Text("Aktualności", "News")
    val EVENTS = Text("Wydarzenia", "Events")
    val CALENDAR = Text("Kalendarz", "Calendar")
    val SEARCH = Text("Szukaj", "Search")
    val SETTINGS = Text("Ustawienia", "Settings")

    // ---- common ----
    val LOADING = Text("Wczytywanie…", "Loading…")
    val SYNCING = Text("Synchronizacja…", "Syncing…")
    val ALERT_PREFIX = Text("Komunikat: ", "Alert: ")
    val NEXT = Text("Dalej", "Next")
    val BACK = Text("Wstecz", "Back")
    val DONE = Text("Gotowe", "Done")
    val NOTHING_FOUND = Text("Nic nie znaleziono.", "Nothing found.")
    val NO_APP = Text("Brak aplikacji, która to otworzy.", "No app on this phone can open this.")

    // ---- home, news ----
    val UPCOMING = Text("Najbliższe wydarzenia", "Upcoming events")
    val NO_EVENTS_PLANNED = Text("Brak zaplanowanych wydarzeń.", "No events planned.")
    val NO_NEWS = Text("Brak aktualności.", "No news.")
    val BACK_TO_NEWS = Text("Wróć do aktualności", "Back to the news")

    // ---- events, calendar ----
    val ALL_CATEGORIES = Text("Wszystkie", "All")
    val SHOW_ALL_CATEGORIES = Text("Pokaż wszystkie kategorie", "Show all categories")
    fun onlyCategory(name: String) = Text("Tylko kategoria $name", "Only category $name")
    val NO_EVENTS = Text("Brak wydarzeń.", "No events.")
    val CANCELLED = Text(" (odwołane)", " (cancelled)")
    val EVENT_CANCELLED = Text("Wydarzenie odwołane.", "Event cancelled.")
    fun place(name: String) = Text("Miejsce: $name", "Place: $name")
    fun organiser(name: String) = Text("Organizator: $name", "Organiser: $name")
    fun accessibility(text: String) = Text("Dostępność: $text", "Accessibility: $text")
    val NEXT_DATES = Text("Kolejne terminy", "Next dates")
    val ADD_TO_CALENDAR = Text("Dodaj do kalendarza", "Add to calendar")
    fun addToCalendarSpoken(title: String) = Text("Dodaj „$title” do kalendarza telefonu", "Add “$title” to the phone's calendar")
    val SHARE_ICS = Text("Udostępnij jako plik .ics", "Share as an .ics file")
    val SHARE_EVENT = Text("Udostępnij wydarzenie", "Share the event")
    val SUBSCRIBE = Text("Subskrybuj kalendarz gminy", "Subscribe to the municipality's calendar")
    val NO_CALENDAR_APP = Text("Brak aplikacji kalendarza.", "No calendar app.")
    val PREVIOUS_MONTH = Text("Poprzedni miesiąc", "Previous month")
    val NEXT_MONTH = Text("Następny miesiąc", "Next month")
    /** The month grid's column heads, Monday first (Polish weeks start on Monday). */
    val WEEKDAYS = Text("pn wt śr cz pt sb nd", "Mon Tue Wed Thu Fri Sat Sun")
    val DAYS_WITH_EVENTS = Text("Dni z wydarzeniami", "Days with events")
    val NO_EVENTS_THIS_MONTH = Text("W tym miesiącu nie ma wydarzeń.", "No events this month.")

    // ---- search ----
    val SEARCH_HINT = Text("Szukaj w aktualnościach i wydarzeniach", "Search news and events")
    val KIND_NEWS = Text("Aktualność", "News")
    val KIND_EVENT = Text("Wydarzenie", "Event")

    // ---- the gmina picker ----
    val CHOOSE_GMINA = Text("Wybierz gminę", "Choose your municipality")
    val CHOOSE_GMINA_ABOUT = Text(
        "Wybierz gminę, w której mieszkasz. Zmienisz ją w Ustawieniach; dane każdej gminy zostają w telefonie.",
        "Choose the municipality (gmina) you live in. You can change it in Settings; each one's data stays on the phone.",
    )
    val GMINA_SEARCH_HINT = Text("Nazwa gminy, powiat lub kod TERYT", "Municipality name, county or TERYT code")
    val GMINA = Text("Gmina ", "Gmina ")
    val POWIAT = Text("powiat ", "county ")
    val VOIVODESHIP = Text("woj. ", "voivodeship ")
    val CURRENT_GMINA = Text("Obecnie: ", "Now: ")
    val GMINAS_OFFLINE = Text("Bez połączenia: gminy widziane wcześniej.", "Offline: municipalities seen before.")
    val NO_GMINA_FOUND = Text("Nie znaleziono gminy.", "No municipality found.")
    val GMINA_LOCATION_OFF = Text("Włącz lokalizację w telefonie albo wyszukaj gminę.", "Turn on location or search for the municipality.")
    val GMINA_LOCATION_DENIED = Text(
        "Bez zgody na lokalizację wyszukaj gminę po nazwie.",
        "Without location permission, search for the municipality by name.",
    )
    val CHANGE_GMINA = Text("Zmień gminę", "Change municipality")

    // ---- settings ----
    val SERVER_ADDRESS = Text("Adres serwera gminy", "Municipality server address")
    val SAVE_ADDRESS = Text("Zapisz adres", "Save address")
    val STATUS = Text("Stan", "Status")
    val SERVER = Text("Serwer: ", "Server: ")
    val DEVICE_REGISTERED = Text("Urządzenie zarejestrowane", "Device registered")
    val DEVICE_NOT_REGISTERED = Text("Urządzenie jeszcze niezarejestrowane", "Device not registered yet")
    val LAST_SYNC = Text("Ostatnia synchronizacja: ", "Last sync: ")
    val NEVER = Text("nigdy", "never")
    val PENDING_WRITES = Text("Zmiany czekające na wysłanie: ", "Changes waiting to be sent: ")

    // ---- report ----
    val STEP_CATEGORY = Text("Co chcesz zgłosić?", "What do you want to report?")
    val STEP_LOCATION = Text("Gdzie to jest?", "Where is it?")
    val STEP_PHOTOS = Text("Zdjęcia", "Photos")
    val STEP_QUESTIONS = Text("Szczegóły", "Details")
    val STEP_DESCRIPTION = Text("Opis", "Description")
    val STEP_REVIEW = Text("Sprawdź i wyślij", "Check and send")
    fun stepOf(n: Int, of: Int) = Text("Krok $n z $of", "Step $n of $of")
    val THANK_YOU = Text("Dziękujemy!", "Thank you!")
    val FOLLOWING = Text("Obserwujesz zgłoszenie", "You follow the report")
    val FOLLOWING_BODY = Text(
        "Obserwujesz to zgłoszenie: powiadomimy Cię, gdy zmieni się jego status.",
        "You follow this report: you will be notified when its status changes.",
    )
    val NO_CATEGORIES = Text(
        "Brak kategorii: połącz się z internetem, aby pobrać dane gminy.",
        "No categories: connect to the internet to download the municipality's data.",
    )
    val DISCARD_REPORT = Text("Porzuć zgłoszenie", "Discard the report")
    val NO_PLACE_YET = Text("Nie wybrano jeszcze miejsca.", "No place chosen yet.")
    val FROM_GPS = Text("z GPS", "from GPS")
    val PIN = Text("pinezka", "pin")
    val ACCURACY = Text(", dokładność ±%.0f m", ", accuracy ±%.0f m")
    val USE_MY_LOCATION = Text("Użyj mojej lokalizacji", "Use my location")
    val MOVE_PIN = Text("Przesuń pinezkę o 5 m:", "Move the pin by 5 m:")
    val NORTH = Text("Północ", "North")
    val SOUTH = Text("Południe", "South")
    val WEST = Text("Zachód", "West")
    val EAST = Text("Wschód", "East")
    fun movePin(direction: String) = Text("Przesuń pinezkę na $direction", "Move the pin $direction")
    val LATITUDE = Text("Szerokość geograficzna", "Latitude")
    val LONGITUDE = Text("Długość geograficzna", "Longitude")
    val SET_COORDINATES = Text("Ustaw współrzędne", "Set the coordinates")
    val LOCATION_OFF = Text("Włącz lokalizację w telefonie albo wskaż miejsce ręcznie.", "Turn on location or set the place by hand.")
    val LOCATION_DENIED = Text(
        "Bez zgody na lokalizację wskaż miejsce ręcznie (współrzędne poniżej).",
        "Without location permission, set the place by hand (coordinates below).",
    )
    val LOCATING = Text("Szukam Twojej pozycji…", "Finding your position…")
    fun photo(n: Int) = Text("Zdjęcie $n", "Photo $n")
    fun removePhoto(n: Int) = Text("Usuń zdjęcie $n", "Remove photo $n")
    val TAKE_PHOTO = Text("Zrób zdjęcie", "Take a photo")
    val FROM_GALLERY = Text("Wybierz z galerii", "Choose from the gallery")
    val NEXT_WITHOUT_PHOTO = Text("Dalej bez zdjęcia", "Next without a photo")
    val NO_CAMERA = Text("Brak aplikacji aparatu: wybierz zdjęcie z galerii.", "No camera app: choose a photo from the gallery.")
    val PHOTO_UNREADABLE = Text("Nie udało się odczytać zdjęcia.", "The photo could not be read.")
    val REQUIRED = Text(" (wymagane)", " (required)")
    val ADDRESS_HINT = Text("Adres lub punkt orientacyjny (opcjonalnie)", "Address or landmark (optional)")
    val CATEGORY = Text("Kategoria: ", "Category: ")
    val PLACE = Text("Miejsce: ", "Place: ")
    val PHOTOS = Text("Zdjęcia: ", "Photos: ")
    val FIX_IT = Text("Popraw", "Fix it")
    val MAYBE_REPORTED = Text(
        "To może już być zgłoszone — obserwuj zamiast tego?",
        "This may already be reported — follow it instead?",
    )
    val DUPLICATE_LINE = Text("%s, %s stąd: %s", "%s, %s away: %s")
    fun follow(id: Long) = Text("Obserwuj zgłoszenie nr $id", "Follow report no. $id")
    val SEND = Text("Wyślij zgłoszenie", "Send the report")
    val SEND_ANYWAY = Text("Wyślij mimo to", "Send it anyway")
    val SUBMITTED = Text(
        "Zgłoszenie zapisane. Wyślemy je od razu, a bez internetu — gdy tylko połączenie wróci. Jego los śledzisz w „Moich zgłoszeniach”.",
        "The report is saved. It is sent at once, or as soon as you are back online. Follow it in “My reports”.",
    )

    // ---- my reports ----
    val REPORT_NEW = Text("Zgłoś nowy problem", "Report a new problem")
    val REFRESH = Text("Odśwież", "Refresh")
    val REFRESH_SPOKEN = Text("Odśwież statusy zgłoszeń", "Refresh the reports' statuses")
    val NO_REPORTS = Text("Nie masz jeszcze zgłoszeń.", "You have no reports yet.")
    fun number(id: Long) = Text("nr $id", "no. $id")
    val CASE_REFERENCE = Text("Znak sprawy: ", "Case reference: ")
    val FIX_AND_RESEND = Text("Popraw i wyślij ponownie", "Fix and send again")
    val WITHDRAW = Text("Wycofaj zgłoszenie", "Withdraw the report")
    val HISTORY = Text("Historia", "History")
    val REPLY = Text("Odpowiedź urzędu: ", "The town hall's reply: ")
    val BACK_TO_LIST = Text("Wróć do listy", "Back to the list")

    // ---- map ----
    val MAP_TITLE = Text("Mapa gminy", "Municipality map")
    val MAP_SEARCH_HINT = Text("Szukaj miejsca (np. biblioteka)", "Search for a place (e.g. library)")
    val MAP_LEGEND = Text(
        "Koło: infrastruktura gminna, kwadrat: atrakcja, trójkąt: zabytek, zielona linia: ścieżka rowerowa.",
        "Circle: municipal infrastructure, square: attraction, triangle: monument, green line: bike path.",
    )
    val LAYERS = Text("Warstwy", "Layers")
    val I_NEED = Text("Potrzebuję", "I need")
    val OPEN_NOW = Text("Tylko otwarte teraz", "Open now only")
    fun moveMap(direction: String) = Text("Przesuń mapę: $direction", "Move the map: $direction")
    val ZOOM_IN = Text("Przybliż", "Zoom in")
    val ZOOM_OUT = Text("Oddal", "Zoom out")
    val WHOLE_GMINA = Text("Cała gmina", "Whole municipality")
    val NO_MAP_DATA = Text("Brak danych mapy: połącz się z internetem, aby je pobrać.", "No map data: connect to the internet to download it.")
    val DOWNLOAD = Text("Pobierz dane", "Download the data")
    fun mapSummary(places: String, paths: String) = Text(
        "Mapa: $places, $paths. Lista miejsc poniżej filtrów.",
        "Map: $places, $paths. The list of places is below the filters.",
    )
    fun placesOnMap(count: String) = Text("Miejsca na mapie: $count", "Places on the map: $count")
    val NO_PLACES_MATCH = Text("Brak miejsc spełniających filtry w tym obszarze.", "No places match the filters in this area.")
    val BIKE_PATHS = Text("Ścieżki rowerowe", "Bike paths")
    val NAVIGATE = Text("Nawiguj", "Navigate")
    fun navigateTo(name: String) = Text("Nawiguj do: $name", "Navigate to: $name")
    val REPORT_BARRIER = Text("Zgłoś barierę", "Report a barrier")
    fun reportBarrierAt(name: String) = Text("Zgłoś barierę architektoniczną: $name", "Report an architectural barrier: $name")
    val CLOSE_CARD = Text("Zamknij kartę", "Close the card")
    val NO_MAPS_APP = Text("Brak aplikacji map w telefonie.", "There is no maps app on this phone.")

    // ---- notifications (channels, shown in the system settings) ----
    val CHANNEL_ALERTS = Text("Alerty", "Alerts")
    val CHANNEL_ALERTS_ABOUT = Text("Pilne komunikaty gminy", "Urgent messages from the municipality")
    val CHANNEL_REPORTS = Text("Zgłoszenia", "Reports")
    val CHANNEL_REPORTS_ABOUT = Text("Zmiany statusu Twoich zgłoszeń", "Status changes of your reports")
    val CHANNEL_WASTE = Text("Odbiór odpadów", "Waste collection")
    val CHANNEL_WASTE_ABOUT = Text("Przypomnienia o terminach odbioru odpadów", "Reminders of waste collection days")
    val CHANNEL_GENERAL = Text("Ogólne", "General")
    val CHANNEL_GENERAL_ABOUT = Text("Aktualności, wydarzenia i konsultacje gminy", "News, events and consultations of the municipality")
    val CHANNEL_TAXES = Text("Przypomnienia o podatkach", "Tax reminders")
    val CHANNEL_TAXES_ABOUT = Text("Zbliżające się terminy płatności podatków i opłat lokalnych", "Upcoming due dates of local taxes and fees")

    // ---- notifications inbox, Home's badge ----
    val NOTIFICATIONS = Text("Powiadomienia", "Notifications")
    /** Home's button with the unread count as a badge: "Powiadomienia (3)". */
    fun notificationsButton(unread: Int) =
        if (unread > 0) Text("Powiadomienia ($unread)", "Notifications ($unread)") else NOTIFICATIONS
    fun notificationsButtonSpoken(unread: Int) =
        if (unread > 0) Text("Powiadomienia, nieprzeczytane: $unread", "Notifications, unread: $unread") else NOTIFICATIONS
    val NO_NOTIFICATIONS = Text("Brak powiadomień.", "No notifications.")
    /** Before an unread notification's title: a word, not only a colour. */
    val UNREAD_MARK = Text("Nowe: ", "New: ")
    val UNREAD_SPOKEN = Text("Nieprzeczytane. ", "Unread. ")

    // ---- the waste schedule (issue 16); fractions, dates, "jutro", the core's questions are the core's ----
    val WASTE = Text("Odpady", "Waste")
    val WASTE_ADD_ADDRESS = Text("Dodaj adres", "Add an address")
    val WASTE_LOCALITY = Text("Miejscowość", "Locality")
    val WASTE_STREET = Text("Ulica (jeśli jest)", "Street (if any)")
    val WASTE_NUMBER = Text("Numer domu", "House number")
    val WASTE_BUILDING_UNSAID = Text("Rodzaj zabudowy: nie podaję", "Building type: not given")
    val WASTE_HOUSE = Text("Dom jednorodzinny", "Single-family house")
    val WASTE_FLATS = Text("Budynek wielorodzinny (blok)", "Block of flats")
    val WASTE_ADD = Text("Dodaj", "Add")
    val WASTE_WHAT_WHERE = Text("Co gdzie wyrzucić", "What goes where")
    val WASTE_SEARCH_HINT = Text("Czego szukasz, np. słoik", "What are you looking for, e.g. jar")
    val WASTE_NO_ADDRESS = Text("Dodaj adres, aby zobaczyć terminy odbioru.", "Add an address to see the collection days.")
    val WASTE_REMOVE = Text("Usuń adres", "Remove the address")
    val WASTE_SHARE_ICS = Text("Terminy do kalendarza (.ics)", "Dates to the calendar (.ics)")
    val WASTE_REMINDERS = Text("Przypomnienia o odbiorze", "Collection reminders")
    val WASTE_REMINDERS_ON = Text("Przypominaj o odbiorze odpadów", "Remind me of collections")
    fun wasteDaysBefore(n: Int) = if (n == 1) Text("Dzień przed odbiorem", "The day before") else Text("$n dni przed odbiorem", "$n days before")
    val WASTE_REMINDER_AT = Text("Godzina przypomnienia (GG:MM)", "Reminder time (HH:MM)")
    val WASTE_SAVE_TIME = Text("Zapisz godzinę", "Save the time")
    fun wasteMute(fraction: String) = Text("Bez przypomnień: $fraction", "No reminders: $fraction")

    // ---- notification settings (issue 16); the switches' labels, their state and the alerts sentence are the core's ----
    val NOTIFICATION_SETTINGS = Text("Ustawienia powiadomień", "Notification settings")
    val NOTIFICATIONS_BLOCKED = Text(
        "Telefon nie pozwala tej aplikacji wyświetlać powiadomień. Alerty i przypomnienia zobaczysz tylko w aplikacji.",
        "The phone does not let this app show notifications. You will see alerts and reminders only in the app.",
    )
    val ALLOW_NOTIFICATIONS = Text("Zezwól na powiadomienia", "Allow notifications")
    val TOPICS = Text("Tematy", "Topics")
    val LOCALITIES = Text("Miejscowości", "Localities")
    val LOCALITIES_HINT = Text("Żadna nie zaznaczona: cała gmina.", "None ticked: the whole municipality.")
    val QUIET_HOURS = Text("Cisza nocna", "Quiet hours")
    val QUIET_HOURS_ON = Text("Wstrzymuj zwykłe powiadomienia w tych godzinach", "Hold ordinary notifications in these hours")
    val QUIET_FROM = Text("Od (GG:MM)", "From (HH:MM)")
    val QUIET_TO = Text("Do (GG:MM)", "To (HH:MM)")
    val QUIET_HOURS_FORMAT = Text("Godzinę wpisz jako GG:MM, np. 22:00.", "Enter the time as HH:MM, e.g. 22:00.")
    val SAVE_SETTINGS = Text("Zapisz ustawienia", "Save settings")
    val PUSH = Text("Powiadomienia push", "Push notifications")
    val CONNECT_UNIFIEDPUSH = Text("Połącz z UnifiedPush", "Connect to UnifiedPush")
    val NO_UNIFIEDPUSH = Text(
        "W telefonie nie ma aplikacji UnifiedPush (np. ntfy). Powiadomienia przyjdą przy każdej synchronizacji.",
        "There is no UnifiedPush app (e.g. ntfy) on this phone. Notifications come with each sync.",
    )

    // ---- the core could not be opened (launch) ----
    val RECOVERY_TITLE = Text("Nie można otworzyć danych aplikacji", "The app's data cannot be opened")
    val RECOVERY_EXPLAINED = Text(
        "Dane zapisane w tym telefonie (pobrane aktualności, wydarzenia, mapa, szkice i niewysłane zgłoszenia) są uszkodzone lub niedostępne. Możesz je usunąć i zacząć od nowa: aplikacja pobierze dane gminy ponownie. Szkice i niewysłane zgłoszenia zostaną utracone.",
        "The data stored on this phone (downloaded news, events, the map, drafts and unsent reports) is damaged or unavailable. You can delete it and start again: the app will download the municipality's data again. Drafts and unsent reports will be lost.",
    )
    val RECOVERY_WHAT_HAPPENED = Text("Co się stało:", "What happened:")
    val RECOVERY_DELETE = Text("Usuń dane lokalne i zacznij od nowa", "Delete local data and start again")
    val RECOVERY_TRY_AGAIN = Text("Spróbuj ponownie", "Try again")

    // ---- local taxes and payments (figures, kinds, statuses, dates, notes: the core's) ----
    val TAXES = Text("Podatki i opłaty", "Taxes and fees")
    val TAXES_ABOUT = Text(
        "Połącz telefon ze swoimi podatkami kodem aktywacyjnym z decyzji podatkowej albo z urzędu.",
        "Link the phone to your taxes with the activation code from the tax decision or from the town hall.",
    )
    val ACTIVATION_CODE = Text("Kod aktywacyjny", "Activation code")
    val LINK = Text("Połącz", "Link")
    val LINK_SPOKEN = Text("Połącz telefon z podatnikiem", "Link the phone to the taxpayer")
    val LINKING = Text("Łączenie…", "Linking…")
    val LINK_ANOTHER = Text("Dodaj podatnika (kolejny kod)", "Add a taxpayer (another code)")
    val HOUSEHOLD = Text("Podatnicy", "Taxpayers")
    val LIABILITIES = Text("Należności", "Liabilities")
    val NO_LIABILITIES = Text("Brak należności.", "No liabilities.")
    val TOTAL_TO_PAY = Text("Razem do zapłaty: ", "Total to pay: ")
    val UNLINK = Text("Odłącz", "Unlink")
    fun unlinkOne(name: String) = Text("Odłącz podatnika $name", "Unlink the taxpayer $name")
    val UNLINK_ALL = Text("Odłącz wszystkich podatników", "Unlink all taxpayers")
    val TO_PAY = Text("Do zapłaty: ", "To pay: ")
    val AMOUNT = Text("Kwota należności: ", "Amount: ")
    val INTEREST = Text("Odsetki na dziś: ", "Interest today: ")
    val ACCOUNT = Text("Rachunek: ", "Account: ")
    val RECIPIENT = Text("Odbiorca: ", "Recipient: ")
    val DECISION = Text("Decyzja: ", "Decision: ")
    val PAYMENTS = Text("Wpłaty", "Payments")
    val TRANSFER_TITLE = Text("Tytuł przelewu: ", "Transfer title: ")
    val QR_HEADING = Text("Kod QR do przelewu", "QR code for a transfer")
    val QR_ABOUT = Text(
        "Zeskanuj kod w aplikacji swojego banku: wypełni przelew.",
        "Scan the code in your banking app: it fills in the transfer.",
    )
    fun qrSpoken(amount: String) = Text(
        "Kod QR do przelewu w aplikacji banku, kwota $amount",
        "QR code for a transfer in a banking app, amount $amount",
    )
    val QR_SPOKEN_NO_AMOUNT = Text(
        "Kod QR do przelewu w aplikacji banku, bez kwoty: wpisz ją sam",
        "QR code for a transfer in a banking app, without the amount: type it yourself",
    )
    val PAY = Text("Zapłać", "Pay")
    fun paySpoken(amount: String) = Text("Zapłać $amount online (BLIK, karta, przelew)", "Pay $amount online (BLIK, card, transfer)")
    val PAYMENTS_OFF = Text(
        "Płatności online nie są włączone w tej gminie: zapłać przelewem (kod QR).",
        "Online payments are not enabled in this municipality: pay by transfer (QR code).",
    )
    val PAYMENT = Text("Płatność", "Payment")
    val PAYMENT_OPENING = Text("Otwieram stronę płatności…", "Opening the payment page…")
    val CHECK_PAYMENT = Text("Sprawdź stan płatności", "Check the payment's status")
    val RECEIPT = Text("Potwierdzenie płatności", "Payment confirmation")
    val SHOW_RECEIPT = Text("Pokaż potwierdzenie", "Show the confirmation")
    val NO_BROWSER = Text("Brak przeglądarki, która otworzy stronę płatności.", "No browser on this phone can open the payment page.")
    val BACK_TO_TAXES = Text("Wróć do należności", "Back to the liabilities")
    val REMINDERS = Text("Przypomnienia o terminach podatków", "Tax due-date reminders")
    fun reminderDays(n: Int) = Text(
        "$n " + when {
            n == 1 -> "dzień"
            else -> "dni"
        } + " przed terminem",
        "$n day" + (if (n == 1) "" else "s") + " before the due date",
    )

    // ---- the participatory budget (phases, rules, hints, statuses, amounts, refusals: the core's) ----
    val BUDGET = Text("Budżet obywatelski", "Participatory budget")
    val BUDGET_EDITIONS = Text("Edycje", "Editions")
    val NO_EDITIONS = Text("Brak edycji budżetu obywatelskiego.", "No participatory budget editions.")
    val POOLS = Text("Pule", "Pools")
    val ALL_POOLS = Text("Wszystkie pule", "All pools")
    fun onlyPool(name: String) = Text("Tylko pula $name", "Only the pool $name")
    val PROJECTS = Text("Projekty", "Projects")
    val NO_PROJECTS = Text("Brak projektów.", "No projects.")
    fun projectNumber(n: UInt) = Text("Projekt nr $n", "Project no. $n")
    val COST = Text("Koszt: ", "Cost: ")
    val POOL = Text("Pula: ", "Pool: ")
    val PROJECT_CATEGORY = Text("Kategoria: ", "Category: ")
    val REJECTION_REASON = Text("Powód odrzucenia: ", "Reason for rejection: ")
    val ON_MY_BALLOT = Text("Na mojej karcie do głosowania.", "On my ballot.")
    val ADD_TO_BALLOT = Text("Dodaj do karty", "Add to the ballot")
    val REMOVE_FROM_BALLOT = Text("Usuń z karty", "Remove from the ballot")
    val VOTE = Text("Głosuj", "Vote")
    val RESULTS = Text("Wyniki", "Results")
    val MY_BALLOT = Text("Mój głos", "My vote")
    val BALLOT = Text("Karta do głosowania", "Ballot")
    fun chosenOnBallot(n: UInt) = Text("Wybrane projekty: $n", "Projects chosen: $n")
    val CHOSEN = Text("Wybrane", "Chosen")
    val LEFT_IN_POOL = Text("Zostało w puli: ", "Left in the pool: ")
    val POINTS_LEFT = Text("Punkty do rozdania: ", "Points left: ")
    fun pickSpoken(title: String, cost: String) = Text("$title, koszt $cost", "$title, cost $cost")
    fun pointsFor(title: String, n: Int) = Text("$title: punkty $n", "$title: $n points")
    fun pointLess(title: String) = Text("Odejmij punkt: $title", "One point less: $title")
    fun pointMore(title: String) = Text("Dodaj punkt: $title", "One point more: $title")
    val CLEAR_BALLOT = Text("Wyczyść kartę", "Clear the ballot")
    val REVIEW_BALLOT = Text("Dalej: sprawdź kartę", "Next: check the ballot")
    val BALLOT_OK = Text("Karta jest poprawna. Podaj swoje dane, aby oddać głos.", "The ballot is valid. Enter your details to vote.")
    val YOUR_DETAILS = Text("Twoje dane", "Your details")
    val IDENTITY_ABOUT = Text(
        "Dane służą tylko do sprawdzenia, że głosujesz raz. Nie są zapisywane w telefonie po wysłaniu głosu.",
        "Your details only prove that you vote once. They are not kept on the phone once the vote is sent.",
    )
    val FIRST_NAME = Text("Imię", "First name")
    val LAST_NAME = Text("Nazwisko", "Last name")
    val PESEL = Text("PESEL", "PESEL")
    val LOCALITY = Text("Miejscowość", "Locality")
    val STREET = Text("Ulica (puste, jeśli miejscowość nie ma ulic)", "Street (empty if the locality has no streets)")
    val HOUSE = Text("Numer domu", "House number")
    val FLAT = Text("Numer mieszkania (jeśli jest)", "Flat number (if any)")
    val PHONE = Text("Numer telefonu komórkowego", "Mobile phone number")
    val SEND_SMS = Text("Wyślij kod SMS", "Send the SMS code")
    val SENDING_SMS = Text("Wysyłanie kodu…", "Sending the code…")
    val SMS_SENT = Text("Kod wysłany SMS-em. Wpisz go poniżej.", "The code was sent by SMS. Type it below.")
    val SMS_CODE = Text("Kod z SMS-a", "Code from the SMS")
    val RESIDENCE = Text("Oświadczam, że mieszkam na terenie gminy.", "I declare that I live in the municipality.")
    val CAST_VOTE = Text("Oddaj głos", "Cast the vote")
    val CASTING = Text("Wysyłanie głosu…", "Sending the vote…")
    val RECEIPT_CODE = Text("Kod potwierdzenia: ", "Receipt code: ")
    val RECEIPT_ABOUT = Text(
        "Zachowaj ten kod: pozwala sprawdzić, że Twój głos został policzony.",
        "Keep this code: it lets you check that your vote was counted.",
    )
    val SEND_NOW = Text("Wyślij teraz", "Send now")
    // ---- the budget's resident writes: proposing, signing, appealing (every check and state text: the core's) ----
    val PROPOSE_PROJECT = Text("Zgłoś projekt", "Propose a project")
    val PROPOSAL_ABOUT = Text(
        "Opisz, co i gdzie ma powstać, i ile może kosztować. Dane kontaktowe trafią tylko do urzędu, nie będą opublikowane.",
        "Describe what should be built and where, and what it may cost. Your contact details go to the office only and are not published.",
    )
    val PROJECT_TITLE = Text("Tytuł projektu", "Project title")
    val PROJECT_DESCRIPTION = Text("Opis projektu", "Project description")
    val PROJECT_COST = Text("Szacowany koszt w złotych", "Estimated cost in złoty")
    val PROJECT_CATEGORY_FIELD = Text("Kategoria (opcjonalnie)", "Category (optional)")
    val CONTACT = Text("Kontakt do wnioskodawcy", "The proposer's contact")
    val CONTACT_NAME = Text("Imię i nazwisko", "Name")
    val CONTACT_EMAIL = Text("E-mail (opcjonalnie)", "Email (optional)")
    val CONTACT_PHONE = Text("Telefon (opcjonalnie)", "Phone (optional)")
    fun poolChosen(name: String) = Text("Pula: $name (wybrana)", "Pool: $name (chosen)")
    fun choosePool(name: String) = Text("Wybierz pulę: $name", "Choose the pool: $name")
    val SEND_PROPOSAL = Text("Wyślij projekt", "Send the project")
    val SENDING = Text("Wysyłanie…", "Sending…")
    val SIGN_PROJECT = Text("Poprzyj projekt", "Support the project")
    val SIGN_ABOUT = Text(
        "Podpis poparcia: projekt trafi na kartę do głosowania, gdy zbierze wymaganą liczbę podpisów. Dane nie są zapisywane w telefonie po wysłaniu.",
        "A support signature: the project goes on the ballot once it has the signatures it needs. Your details are not kept on the phone once sent.",
    )
    val SIGN = Text("Podpisz", "Sign")
    val CANCEL = Text("Anuluj", "Cancel")
    fun signatures(have: UInt, need: UInt) = Text("Podpisy: $have z $need", "Signatures: $have of $need")
    val APPEAL = Text("Odwołaj się", "Appeal")
    val APPEAL_TEXT = Text("Treść odwołania", "Your appeal")
    val SEND_APPEAL = Text("Wyślij odwołanie", "Send the appeal")
    val MY_BUDGET_WRITES = Text("Moje zgłoszenia, podpisy i odwołania", "My proposals, signatures and appeals")
    val BACK_TO_EDITION = Text("Wróć do edycji", "Back to the edition")
    val BACK_TO_BUDGET = Text("Wróć do budżetu obywatelskiego", "Back to the participatory budget")
    val RESULTS_NOT_PUBLISHED = Text("Wyniki nie zostały jeszcze ogłoszone.", "The results have not been published yet.")
    fun ballotsCounted(n: UInt) = Text("Liczba oddanych kart: $n", "Ballots cast: $n")
    val BUDGET_OF_POOL = Text("Kwota puli: ", "The pool's amount: ")
    val SPENT = Text("Przyznano: ", "Awarded: ")
    val SELECTED = Text("Wybrany do realizacji", "Selected for funding")
    val NOT_SELECTED = Text("Niewybrany", "Not selected")
    fun votes(n: UInt) = Text("Głosy: $n", "Votes: $n")
    fun points(n: UInt) = Text("Punkty: $n", "Points: $n")
    val HOW_COUNTED = Text("Jak liczono głosy", "How the votes were counted")
    val CHANGED = Text("Zmieniony: ", "Changed: ")
    val CHANGE_VOTE = Text("Zmień głos", "Change the vote")
    val CANCEL_CHANGE = Text("Nie zmieniaj głosu", "Keep the vote as it is")
    val SAVE_CHANGE = Text("Zapisz zmianę głosu", "Save the change")
    val FIND_BY_RECEIPT = Text("Głos oddany na innym telefonie?", "Voted on another phone?")
    val RECEIPT_CODE_FIELD = Text("Kod potwierdzenia głosu", "The vote's receipt code")
    val CHECK_VOTE = Text("Sprawdź głos", "Check the vote")
    val PROJECTS_MAP = Text("Projekty na mapie", "Projects on the map")
    fun projectPhoto(n: Int, title: String) = Text("Zdjęcie $n projektu „$title”", "Photo $n of the project “$title”")
    val PROJECT_PLACE = Text("Miejsce realizacji", "Where it would be")
    val PROPOSAL_PHOTOS = Text("Zdjęcia (nieobowiązkowe)", "Photos (optional)")
    val PROPOSAL_PLACE_ABOUT = Text(
        "Dotknij mapy gminy, by wskazać miejsce, albo wpisz współrzędne.",
        "Tap the gmina's map to mark the place, or type the coordinates.",
    )
    fun proposalPlace(lat: Double?, lon: Double?): Text {
        if (lat == null || lon == null) return Text("Mapa gminy: miejsce nie jest wskazane.", "The gmina's map: no place marked.")
        val at = String.format(java.util.Locale.ROOT, "%.5f, %.5f", lat, lon)
        return Text("Mapa gminy: wskazane miejsce $at.", "The gmina's map: the place marked at $at.")
    }
    val CLEAR_PLACE = Text("Usuń wskazane miejsce", "Clear the place")
    fun projectPlace(lat: Double, lon: Double, area: Boolean): Text {
        val at = String.format(java.util.Locale.ROOT, "%.5f, %.5f", lat, lon)
        return if (area) Text("Mapa: obszar projektu, jego środek w punkcie $at.", "Map: the project's area, its middle at $at.")
        else Text("Mapa: miejsce projektu w punkcie $at.", "Map: the project's place at $at.")
    }
    fun projectsMapSummary(n: Int) = Text(
        "Mapa projektów: $n. Wybierz projekt z listy poniżej.",
        "Map of the projects: $n. Pick a project from the list below.",
    )
    fun resultsMapSummary(selected: Int, other: Int) = Text(
        "Mapa wyników: wybrane do realizacji $selected (wypełnione koła), niewybrane $other (puste koła).",
        "Map of the results: selected $selected (filled circles), not selected $other (hollow circles).",
    )
    val MAP_LEGEND_RESULTS = Text(
        "● wypełnione koło: wybrany do realizacji · ○ puste koło: niewybrany",
        "● filled circle: selected · ○ hollow circle: not selected",
    )

    // ---- consultations (statuses, hints, problems, percentages, refusals: the core's) ----
    val CONSULTATIONS = Text("Konsultacje społeczne", "Public consultations")
    val CONSULTATIONS_OPEN = Text("Otwarte", "Open")
    val CONSULTATIONS_CLOSED = Text("Zakończone", "Closed")
    val CONSULTATIONS_UPCOMING = Text("Zapowiedziane", "Upcoming")
    val NO_CONSULTATIONS = Text("Brak konsultacji.", "No consultations.")
    fun questionsCount(n: UInt) = Text("Pytania: $n", "Questions: $n")
    val MY_RESPONSE = Text("Moja odpowiedź", "My response")
    val YOUR_RANKING = Text("Twoja kolejność:", "Your order:")
    fun rankAdd(option: String) = Text("Dodaj: $option", "Add: $option")
    fun rankUp(option: String) = Text("Przesuń „$option” wyżej", "Move “$option” up")
    fun rankDown(option: String) = Text("Przesuń „$option” niżej", "Move “$option” down")
    fun rankRemove(option: String) = Text("Usuń „$option” z kolejności", "Remove “$option” from the order")
    val UP = Text("W górę", "Up")
    val DOWN = Text("W dół", "Down")
    val REMOVE = Text("Usuń", "Remove")
    fun matrixCell(row: String, column: String) = Text("$row: $column", "$row: $column")
    val CLEAR_ANSWER = Text("Wyczyść odpowiedź", "Clear the answer")
    fun answeredCount(n: UInt, of: Int) = Text("Odpowiedzi: $n z $of", "Answered: $n of $of")
    val IDENTITY_ABOUT_SURVEY = Text(
        "Dane służą tylko do sprawdzenia, że odpowiadasz raz. Nie są zapisywane w telefonie po wysłaniu odpowiedzi.",
        "Your details only prove that you answer once. They are not kept on the phone once the answers are sent.",
    )
    val SEND_ANSWERS = Text("Wyślij odpowiedzi", "Send the answers")
    val SENDING_ANSWERS = Text("Wysyłanie odpowiedzi…", "Sending the answers…")
    val SUMMARY = Text("Wyniki konsultacji", "Results of the consultation")
    val APPROVED_TEXTS = Text("Wybrane wypowiedzi", "Selected comments")
    val BACK_TO_CONSULTATIONS = Text("Wróć do konsultacji", "Back to the consultations")
}
