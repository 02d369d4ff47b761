// The Kotlin bindings against a real rsc-server process. Each test stands alone, with people of
// its own (unique emails), and checks the glue only: records with defaults and enums crossing the
// boundary, LocalDate and Instant, typed exceptions, the progress and change callbacks, suspend
// calls and their cancellation, byte arrays and JSON strings. What the core does with them is
// tested in rsc-client. Run by scripts/kotlin-tests, which starts the server and passes its URL
// and an admin account.

import java.net.URI
import java.net.http.HttpClient
import java.net.http.HttpRequest
import java.net.http.HttpResponse
import java.nio.file.Files
import java.time.Instant
import java.time.LocalDate
import kotlin.test.*
import kotlinx.coroutines.async
import kotlinx.coroutines.delay
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.withTimeoutOrNull
import org.junit.runner.JUnitCore
import org.junit.runner.notification.Failure
import org.rsclogbook.*

private val server: String = System.getProperty("rsc.server") ?: error("-Drsc.server is required")
private val adminEmail: String = System.getProperty("rsc.admin.email") ?: error("-Drsc.admin.email is required")
private val adminPassword: String = System.getProperty("rsc.admin.password") ?: error("-Drsc.admin.password is required")
private const val PASSWORD = "a long enough password"
private val http: HttpClient = HttpClient.newHttpClient()

/** Association staff, through the HTTP API: import a registry record and approve a claim. */
private object Staff {
    private val token: String by lazy {
        // The staff desk signs nothing: the ed25519 base point is a valid public key for it.
        val publicKey = "58" + "66".repeat(31)
        val actor = java.util.UUID.randomUUID().toString().replace("-", "")
        val body = """{"email":"$adminEmail","password":"$adminPassword",
            "device":{"name":"staff desk","public_key":"$publicKey","actor_id":"$actor"}}"""
        val response = send(HttpRequest.newBuilder(URI("$server/v1/login")).header("content-type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(body)))
        Regex("\"token\":\"([^\"]+)\"").find(response)?.groupValues?.get(1) ?: error("no token in $response")
    }

    private fun send(builder: HttpRequest.Builder): String {
        val response = http.send(builder.build(), HttpResponse.BodyHandlers.ofString())
        assertTrue(response.statusCode() in 200..299, "HTTP ${response.statusCode()}: ${response.body()}")
        return response.body()
    }

    private fun authorized(path: String) = HttpRequest.newBuilder(URI("$server$path")).header("authorization", "Bearer $token")

    fun importRecord(number: String, email: String, name: String) {
        val csv = "endorsement_number,holder_name,holder_email,credential,association,earned_on,valid_through,revoked_on\n" +
            "$number,$name,$email,IMHM-C,NMAIMH,2015-03-01,,\n"
        send(authorized("/v1/registry/import?source=kotlin.csv").header("content-type", "text/csv")
            .POST(HttpRequest.BodyPublishers.ofString(csv)))
    }

    /** A one-time password reset code, issued as staff issue it: `rsc-server admin reset-password`. */
    fun resetCode(email: String): String {
        val binary = System.getProperty("rsc.server.binary") ?: error("-Drsc.server.binary is required")
        val process = ProcessBuilder(binary, "admin", "reset-password", "--email", email).redirectErrorStream(true).start()
        val out = process.inputStream.bufferedReader().readText()
        assertEquals(0, process.waitFor(), out)
        return Regex("Reset code for [^:]+: (\\S+)").find(out)?.groupValues?.get(1) ?: error("no code in $out")
    }

    fun approveClaim(number: String) {
        val claims = send(authorized("/v1/registry/claims").GET())
        // Each claim object starts with its id; the record it names follows inside it.
        val id = Regex("\"claim_id\":\"([^\"]+)\"(?:(?!\"claim_id\").)*?\"number\":\"$number\"").find(claims)?.groupValues?.get(1)
            ?: error("no claim for $number in $claims")
        send(authorized("/v1/registry/claims/$id/approve").header("content-type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString("{}")))
    }
}

private val opened = java.util.Collections.synchronizedList(mutableListOf<Logbook>())

private fun device(name: String): Logbook =
    Logbook(Files.createTempDirectory("rsc-kotlin-$name").toString()).also { opened.add(it) }

private class Recorder : SyncListener {
    val seen = java.util.Collections.synchronizedList(mutableListOf<SyncProgress>())
    override fun onProgress(progress: SyncProgress) {
        seen.add(progress)
    }
}

private class Changes : SessionObserver {
    val heard = java.util.Collections.synchronizedList(mutableListOf<List<String>>())
    override fun sessionsChanged(sessionIds: List<String>) {
        heard.add(sessionIds)
    }
}

private class Watching : WatchListener {
    val synced = java.util.concurrent.LinkedBlockingQueue<SyncReport>()
    val stopped = java.util.concurrent.LinkedBlockingQueue<String>()
    override fun onSynced(report: SyncReport) {
        synced.add(report)
    }
    override fun onDisconnected(reason: String, retryInMs: ULong) {}
    override fun onStopped(error: String?) {
        stopped.add(error ?: "stopped")
    }
}

/** Someone signed up on a fresh device, under an email no other test uses, at `via`. */
private class Person(val name: String, via: String = server) {
    val email = "${name.lowercase().filter { it.isLetter() }}-${java.util.UUID.randomUUID()}@example.org"
    val logbook = device(name.filter { it.isLetter() })
    val account: Account = runBlocking { logbook.signUp(via, email, PASSWORD, name, "$name's phone") }
    val id: String get() = account.userId
}

/** The person an app's user picks by name from the people they work with: apps never ask for ids. */
private fun Person.pick(other: Person): String = logbook.findPerson(other.name).id

/** `people` connect to `provider` with a code the provider shares; she puts them in one group,
 *  so that each then knows the others. */
private fun connect(provider: Person, vararg people: Person) = runBlocking {
    val code = provider.logbook.createConnectionCode()
    people.forEach { assertEquals(provider.name, it.logbook.connect(code.code).name) }
    provider.logbook.refreshDirectory()
    if (people.size > 1) provider.logbook.createGroup("${provider.name}'s group", people.map { it.name })
    people.forEach { it.logbook.refreshDirectory() }
}

private val MARCH_4: LocalDate = LocalDate.of(2025, 3, 4)

private fun individual(provider: String, date: LocalDate = MARCH_4) =
    NewSession(date = date, startTime = "10:00", timeZone = "America/Denver", minutes = 60, format = SessionFormat.VIDEO, provider = provider)

/** A TCP relay to the server that can be shut, to see a sync meet an unreachable server. */
private class Relay : AutoCloseable {
    private val socket = java.net.ServerSocket(0)
    val url = "http://127.0.0.1:${socket.localPort}"
    private val target = URI(server)
    private val open = java.util.Collections.synchronizedList(mutableListOf<java.net.Socket>())
    init {
        Thread {
            while (!socket.isClosed) {
                val client = try { socket.accept() } catch (e: java.io.IOException) { break }
                val upstream = java.net.Socket(target.host, target.port)
                open.add(client)
                open.add(upstream)
                listOf(client to upstream, upstream to client).forEach { (from, to) ->
                    Thread { try { from.getInputStream().transferTo(to.getOutputStream()); to.shutdownOutput() } catch (_: Exception) {} }.start()
                }
            }
        }.apply { isDaemon = true }.start()
    }
    /** Stops accepting, and cuts the connections kept alive. */
    override fun close() {
        socket.close()
        synchronized(open) { open.forEach { it.close() } }
    }
}

class LogbookScenarioTest {
    /** Records cross the boundary both ways, with their defaults, enums and LocalDate. */
    @org.junit.Test
    fun recordsAndEnumsRoundTrip() {
        val pat = Person("María de los Ángeles Núñez")
        val ana = Person("Nguyễn Thị Hương")
        connect(pat, ana)
        assertEquals(Role.MEMBER, pat.account.role)
        assertEquals(pat.account, pat.logbook.account())
        assertEquals(64, pat.logbook.devicePublicKey().length)
        val group = NewSession(MARCH_4, "10:00", "America/Denver", 120, SessionFormat.IN_PERSON, ana.pick(pat),
            attendees = listOf(NewAttendee(ana.pick(ana), 90, aboutOwnRscPractice = true)))
        val logged = ana.logbook.logSession(group)
        assertEquals(Triple(MARCH_4, "10:00", "America/Denver"), Triple(logged.date, logged.startTime, logged.timeZone))
        assertEquals(Triple(SessionKind.INDIVIDUAL, SessionFormat.IN_PERSON, AttendanceStatus.PENDING),
            Triple(logged.kind, logged.format, logged.status), "one attendee: the kind defaults to individual")
        val me = logged.attendees.single()
        assertEquals(listOf<Any?>(ana.id, ana.name, 90, true), listOf(me.id, me.name, me.minutesAttended, me.aboutOwnRscPractice))
        assertEquals(pat.name, logged.providerName)
        assertTrue(logged.unsynced)
        assertEquals(logged, ana.logbook.session(logged.id))
        assertEquals(logged.id, ana.logbook.session(logged.id.take(8)).id, "the start of an id will do")
        // A list result, and a record built by `copy` going back in.
        assertEquals(listOf(logged.id), ana.logbook.duplicatesOf(group).map { it.id })
        assertTrue(ana.logbook.duplicatesOf(group.copy(startTime = "11:00")).isEmpty())
        val filtered = ana.logbook.sessions(SessionFilter(from = LocalDate.of(2025, 3, 1), status = AttendanceStatus.PENDING))
        assertEquals(listOf(logged.id), filtered.map { it.id })
        assertTrue(ana.logbook.sessions(SessionFilter(to = LocalDate.of(2025, 3, 3))).isEmpty())
        // People by name, never by id.
        val people = ana.logbook.people()
        assertEquals(listOf(ana.name, pat.name), people.map { it.name })
        assertTrue(people[0].isMe && people[1].isMyProvider)
        assertEquals(pat.id, ana.logbook.findPerson("maría").id)
        // As people type names: any case, without accents, from the start of any word.
        for (typed in listOf("maria", "NUNEZ", "angeles nu", "Maria de los Angeles Nunez")) {
            assertEquals(pat.id, ana.logbook.findPerson(typed).id, typed)
        }
    }

    /** Every failure arrives as a typed exception: a field to fix, or what kind of trouble it is. */
    @org.junit.Test
    fun errorsArriveAsTypedExceptions() = runBlocking<Unit> {
        val pat = Person("Pat")
        val ana = Person("Ana")
        connect(pat, ana)
        val bad = individual(ana.pick(pat)).copy(minutes = -1)
        assertEquals("minutes", assertFailsWith<LogbookException.InvalidInput> { ana.logbook.logSession(bad) }.field)
        val ancient = individual(ana.pick(pat), date = LocalDate.of(1800, 1, 1))
        assertEquals("date", assertFailsWith<LogbookException.InvalidInput> { ana.logbook.logSession(ancient) }.field)
        val stranger = Person("Stranger")
        val notConnected = assertFailsWith<LogbookException.InvalidInput> { ana.logbook.logSession(individual(stranger.id)) }
        assertEquals("provider", notConnected.field)
        assertFailsWith<LogbookException.NotFound> { ana.logbook.session("no-such-session") }
        // The server refuses what no field can fix: a record it does not have, a wrong code.
        val refused = assertFailsWith<LogbookException.Rejected> { ana.logbook.claimEndorsement("NM-0000") }
        assertTrue(refused.reason.contains("NM-0000"), refused.reason)
        assertFailsWith<LogbookException.Rejected> { ana.logbook.connect("ZZZZ-ZZZZ") }
        assertEquals("code", assertFailsWith<LogbookException.InvalidInput> { ana.logbook.connect("pat@example.org") }.field)
        val signedOut = device("signed-out")
        assertFailsWith<LogbookException.Unauthorized> { signedOut.sync() }
        val offline = assertFailsWith<LogbookException.Network> {
            signedOut.signIn("http://127.0.0.1:9", ana.email, PASSWORD, "another phone")
        }
        assertTrue(offline.reason.isNotEmpty())
        assertFailsWith<LogbookException.Unauthorized> { signedOut.signIn(server, ana.email, "the wrong password!", "another phone") }
    }

    /** The sync reports progress through the listener, and the observer hears which sessions changed. */
    @org.junit.Test
    fun callbacksHearProgressAndChangedSessions() = runBlocking<Unit> {
        val pat = Person("Pat")
        val ana = Person("Ana")
        connect(pat, ana)
        val anaChanges = Changes()
        ana.logbook.setObserver(anaChanges)
        val logged = ana.logbook.logSession(individual(ana.pick(pat)))
        assertEquals(listOf(listOf(logged.id)), anaChanges.heard.toList(), "a local edit is heard")
        val recorder = Recorder()
        val report = ana.logbook.sync(recorder)
        assertEquals(1uL, report.pushedChanges)
        assertTrue(report.refusals.isEmpty())
        assertTrue(recorder.seen.isNotEmpty(), "the listener heard progress")
        assertEquals(report.roundTrips, recorder.seen.last().roundTrips)
        assertFalse(ana.logbook.session(logged.id).unsynced)
        assertTrue(ana.logbook.status().lastSync!!.isAfter(Instant.now().minusSeconds(60)))
        val patChanges = Changes()
        pat.logbook.setObserver(patChanges)
        pat.logbook.sync()
        assertEquals(listOf(listOf(logged.id)), patChanges.heard.toList(), "what a sync brings is heard")
        val awaiting = pat.logbook.awaitingConfirmation().single()
        assertEquals(Triple(logged.id, ana.id, ana.name), Triple(awaiting.session.id, awaiting.attendee, awaiting.attendeeName))
        pat.logbook.setObserver(null)
        pat.logbook.confirm(logged.id, "Ana")
        assertEquals(1, patChanges.heard.size, "a removed observer hears nothing")
    }

    /** A watch syncs on starting and again when the server says a session changed; stop ends it. */
    @org.junit.Test
    fun aWatchSyncsWhenTheServerSaysSo() = runBlocking<Unit> {
        val pat = Person("Pat")
        val ana = Person("Ana")
        connect(pat, ana)
        val patChanges = Changes()
        pat.logbook.setObserver(patChanges)
        val watching = Watching()
        val watch = pat.logbook.watch(watching)
        assertNotNull(watching.synced.poll(20, java.util.concurrent.TimeUnit.SECONDS), "it syncs on starting")
        val logged = ana.logbook.logSession(individual(ana.pick(pat)))
        ana.logbook.sync()
        val report = watching.synced.poll(20, java.util.concurrent.TimeUnit.SECONDS) ?: fail("no sync after Ana's push")
        assertEquals(listOf(logged.id), report.updatedSessions)
        assertTrue(patChanges.heard.any { logged.id in it }, "the observer heard the session arrive")
        assertEquals(logged.id, pat.logbook.awaitingConfirmation().single().session.id)
        watch.stop()
        assertEquals("stopped", watching.stopped.poll(10, java.util.concurrent.TimeUnit.SECONDS), "stopped without an error")
    }

    /** A suspended sync that meets an unreachable server stops when cancelled, either way. */
    @org.junit.Test
    fun cancellingASyncStopsIt() = runBlocking<Unit> {
        val relay = Relay()
        val ana = Person("Ana", via = relay.url)
        val pat = Person("Pat")
        connect(pat, ana)
        ana.logbook.logSession(individual(ana.pick(pat)))
        relay.close()
        // By the logbook's own call: the sync answers Cancelled at once.
        val running = async { runCatching { ana.logbook.sync() } }
        delay(300)
        ana.logbook.cancelSync()
        val outcome = withTimeoutOrNull(3000) { running.await() } ?: fail("the sync did not stop")
        assertIs<LogbookException.Cancelled>(outcome.exceptionOrNull(), "$outcome")
        // By cancelling the coroutine: a timeout gives up on it, and the logbook is free again.
        assertNull(withTimeoutOrNull(300) { ana.logbook.sync() })
        val started = System.nanoTime()
        val again = async { runCatching { ana.logbook.sync() } }
        delay(200)
        ana.logbook.cancelSync()
        assertIs<LogbookException.Cancelled>(again.await().exceptionOrNull())
        assertTrue(System.nanoTime() - started < 5_000_000_000, "the dropped sync released the logbook at once")
        assertEquals(1uL, ana.logbook.status().pendingChanges, "nothing was lost")
    }

    /** Confirmations, profiles, hours, evaluations and exports: optional fields, nested records, JSON and bytes. */
    @org.junit.Test
    fun confirmationsProfilesHoursAndExportsCrossTheBoundary() = runBlocking<Unit> {
        val pat = Person("Pat")
        val ana = Person("Ana")
        val ben = Person("Ben")
        connect(pat, ana, ben)
        val group = ana.logbook.logSession(NewSession(MARCH_4, "10:00", "America/Denver", 90, SessionFormat.VIDEO, ana.pick(pat),
            attendees = listOf(NewAttendee(ana.pick(ana), 90), NewAttendee(ana.pick(ben), 60))))
        assertEquals(SessionKind.GROUP, group.kind, "two attendees: the kind defaults to group")
        ana.logbook.sync()
        pat.logbook.sync()
        val more = assertFailsWith<LogbookException.InvalidInput> { pat.logbook.confirm(group.id, "Ben", minutesAttended = 75) }
        assertEquals("minutes", more.field)
        val roster = pat.logbook.confirmMany(pat.logbook.awaitingConfirmation().map { Confirmation(it.session.id, it.attendee) })
        assertEquals(listOf(90, 60), roster.last().attendees.sortedBy { it.name }.map { it.confirmedMinutes })
        assertNotNull(roster.last().attendees.first().statedAt)
        pat.logbook.sync()
        val number = "NM-K${System.nanoTime()}"
        Staff.importRecord(number, pat.email, pat.name)
        assertEquals(ClaimStatus.PENDING, pat.logbook.claimEndorsement(number))
        Staff.approveClaim(number)
        assertEquals(ClaimStatus.APPROVED, pat.logbook.claims().single().status)
        ana.logbook.sync()
        assertEquals(AttendanceStatus.CONFIRMED, ana.logbook.session(group.id).status)

        // Ana logged it: she sees first whose confirmations an edit sends back.
        val preview = ana.logbook.previewEdit(group.id, SessionChanges(format = SessionFormat.PHONE))
        assertEquals(setOf(ana.name, ben.name), preview.map { it.name }.toSet())
        assertTrue(preview.all { it.was == AttendanceStatus.CONFIRMED && it.why.contains("format") })

        val evaluation = ana.logbook.evaluate("nmaimh", Purpose.APPLICATION, LocalDate.of(2025, 6, 1))
        assertEquals(90uL, evaluation.requirements[0].countedMinutes)
        assertFalse(evaluation.eligible)
        assertTrue(evaluation.json.contains("\"counted_minutes\""))
        ana.logbook.logSession(individual(ana.pick(pat), date = LocalDate.of(2025, 4, 1)))
        val hours = ana.logbook.hours("orimha", Purpose.APPLICATION, LocalDate.of(2025, 6, 1), by = LocalDate.of(2026, 6, 1))
        assertTrue(hours.mastersDateMissing, "Oregon wants the master's date")
        assertEquals(Pair(pat.name, 1u), hours.awaiting.single().let { Pair(it.name, it.sessions) })
        assertNotNull(hours.pace)

        // The profile, edited offline with a LocalDate, reaches the server and another device.
        val profile = ana.logbook.setProfile(Profile(ana.name, mastersConferredOn = LocalDate.of(2015, 5, 1), rulebook = "orimha"))
        assertTrue(profile.unsynced)
        assertFalse(ana.logbook.hours("orimha", Purpose.APPLICATION, LocalDate.of(2025, 6, 1)).mastersDateMissing)
        ana.logbook.sync()
        val tablet = device("tablet")
        tablet.signIn(server, ana.email, PASSWORD, "Ana's tablet")
        tablet.sync()
        assertEquals(LocalDate.of(2015, 5, 1), tablet.profile().mastersConferredOn)

        val export = String(ana.logbook.export(ExportFormat.JSON, "nmaimh", Purpose.APPLICATION, LocalDate.of(2025, 6, 1)))
        assertTrue(Regex("\"counted_minutes_as_of\":\\s*90\\b").containsMatchIn(export), export)
        // The export is kept under a link, which she can withdraw.
        val link = ana.logbook.exportLinks().first()
        assertTrue(link.link.startsWith(server) && link.link.endsWith("/verify/" + link.exportId), link.link)
        assertEquals(LocalDate.of(2025, 6, 1).toString(), link.asOf)
        assertNull(link.withdrawnAt)
        ana.logbook.withdrawExportLink(link.link)
        assertNotNull(ana.logbook.exportLinks().single { it.exportId == link.exportId }.withdrawnAt)
        assertFailsWith<LogbookException> { ana.logbook.withdrawExportLink(link.exportId) }
        // One export, three renderings: the PDF and the JSON are downloads of the same kept export.
        val made = ana.logbook.makeExport("nmaimh", Purpose.APPLICATION, LocalDate.of(2025, 6, 1))
        assertEquals(setOf(ExportFormat.PDF, ExportFormat.CSV, ExportFormat.JSON), made.downloads.map { it.format }.toSet())
        assertTrue(made.downloads.all { it.fileName.contains("rsc-hours-nmaimh-2025-06-01") }, made.downloads.toString())
        val json = ana.logbook.downloadExport(made.exportId, ExportFormat.JSON)
        val digest = java.security.MessageDigest.getInstance("SHA-256").digest(json).joinToString("") { "%02x".format(it) }
        assertEquals(made.sha256, digest)
        assertTrue(String(ana.logbook.downloadExport(made.link, ExportFormat.PDF, "a4").copyOfRange(0, 4)) == "%PDF")
        // A dispute's reason comes back as an optional string.
        pat.logbook.dispute(group.id, "Ben", "we met for half of it")
        pat.logbook.sync()
        val heard = ben.logbook.sync().decided.single()
        assertEquals(Triple(AttendanceStatus.DISPUTED, "we met for half of it", pat.name), Triple(heard.status, heard.reason, heard.providerName))
        assertEquals("we met for half of it", ben.logbook.session(group.id).attendees.single { it.id == ben.id }.disputeReason)
        val history = ben.logbook.history(group.id)
        assertEquals(listOf(StatementKind.CONFIRM, StatementKind.CONFIRM, StatementKind.DISPUTE), history.map { it.kind })
        assertTrue(history.all { it.trusted && it.providerName == pat.name })
        assertEquals("we met for half of it", history.last().reason)
        // A batch leaves the disputed entry, saying why; Ben's correction goes back to Pat, who reads why.
        val plan = pat.logbook.confirmationPlan(ConfirmSelection(sessionId = group.id))
        assertTrue(plan.sign.isEmpty() && plan.notSigned.single().why.contains("you disputed it"), plan.toString())
        ben.logbook.setAttendance(group.id, ben.id, 45, null)
        val sent = ben.logbook.sync().sentBack.single()
        assertEquals(Pair("we met for half of it", 45), Pair(sent.disputeReason, sent.minutesAttended))
        assertEquals("we met for half of it", pat.logbook.sync().unsettled.single().disputeReason)
        val back = pat.logbook.awaitingConfirmation().single { it.session.id == group.id }
        assertEquals("corrected after your dispute (\"we met for half of it\"): now 45 minutes", back.whyBack)
        assertEquals(45uL, pat.logbook.confirmationPlan(ConfirmSelection(sessionId = group.id)).minutes)
        assertFalse(back.session.planned)
    }

    /** An endorsee in Connecticut renews: this year's trainings (one on DEI, one on RS/C, with a
     *  certificate) logged offline, synced to her other device, and her renewal year's progress. */
    @org.junit.Test
    fun trainingsAndTheRenewalYearCrossTheBoundary() = runBlocking<Unit> {
        val ana = Person("Ana")
        val today = LocalDate.now()
        val newYear = today.withDayOfYear(1)
        ana.logbook.setProfile(Profile(ana.name, mastersConferredOn = LocalDate.of(2010, 5, 1), rulebook = "ct-aimh",
            purpose = Purpose.RENEWAL, providesRsc = true))
        val png = byteArrayOf(0x89.toByte(), 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a) + ByteArray(64) { it.toByte() }
        val digest = ana.logbook.keepCertificate("dei-certificate.png", png)
        assertEquals(java.security.MessageDigest.getInstance("SHA-256").digest(png).joinToString("") { "%02x".format(it) }, digest)
        val lie = assertFailsWith<LogbookException.InvalidInput> { ana.logbook.keepCertificate("x.pdf", "<html>".toByteArray()) }
        assertEquals("certificate", lie.field)
        val dei = ana.logbook.addTraining(NewTraining("Equity in infant mental health", date = newYear, minutes = 90,
            topic = TrainingTopic.DEI, organiser = "CT-AIMH", certificate = digest))
        assertTrue(dei.unsynced)
        val rsc = ana.logbook.addTraining(NewTraining("Reflective supervision: the parallel process", date = newYear,
            minutes = 180, topic = TrainingTopic.RSC))
        val long = assertFailsWith<LogbookException.InvalidInput> {
            ana.logbook.addTraining(NewTraining("Too long", date = newYear, minutes = 2401, topic = TrainingTopic.IMH))
        }
        assertEquals("minutes", long.field)
        ana.logbook.editTraining(rsc.id, NewTraining("Reflective supervision: the parallel process", date = newYear,
            minutes = 240, topic = TrainingTopic.RSC))
        ana.logbook.sync()
        assertTrue(ana.logbook.trainings().none { it.unsynced })

        val tablet = device("tablet")
        tablet.signIn(server, ana.email, PASSWORD, "Ana's tablet")
        tablet.sync()
        val there = tablet.trainings()
        assertEquals(listOf(90, 240), there.map { it.minutes }.sorted())
        assertEquals(digest, there.single { it.topic == TrainingTopic.DEI }.certificate)

        val hours = tablet.hours("ct-aimh", Purpose.RENEWAL)
        assertEquals(LocalDate.of(today.year, 12, 31), hours.renewalDue)
        val training = hours.evaluation.requirements.filter { it.selfReported }
        assertEquals(listOf("training_annual", "training_annual_rsc", "training_annual_dei"), training.map { it.id })
        assertEquals(330uL, training[0].countedMinutes)
        assertTrue(training[1].met && training[2].met, training.toString())
        assertTrue(training.all { it.explanation.contains("self-reported") }, training.toString())
        assertFalse(hours.evaluation.requirements.single { it.id == "rsc_annual" }.selfReported)
        assertEquals(today.year - 1, hours.lastYear!!.asOf.year)
        assertEquals(2, hours.trainings.size)

        tablet.removeTraining(there.single { it.topic == TrainingTopic.DEI }.id)
        tablet.sync()
        ana.logbook.sync()
        assertEquals(listOf(TrainingTopic.RSC), ana.logbook.trainings().map { it.topic })
    }

    /** The rest of the surface: codes listed and withdrawn, a provider found by endorsement number,
     *  rosters and attendance changed, withdrawal undone, passwords changed and reset, sign-out. */
    @org.junit.Test
    fun everyOtherOperationCrossesTheBoundary() = runBlocking<Unit> {
        val pat = Person("Pat")
        val ana = Person("Ana")
        val ben = Person("Ben")
        val code = pat.logbook.createConnectionCode(validDays = 3u)
        assertTrue(code.expiresAt.isAfter(code.createdAt.plusSeconds(2 * 24 * 3600)))
        assertEquals(listOf(code.code), pat.logbook.connectionCodes().map { it.code })
        ana.logbook.connect(code.link)
        pat.logbook.revokeConnectionCode(code.code)
        assertTrue(pat.logbook.connectionCodes().isEmpty())
        assertFailsWith<LogbookException.Rejected> { ben.logbook.connect(code.code) }
        // Ben asks Pat by the number of her approved registry record instead; she accepts, and
        // puts both in a group.
        val number = "NM-E${System.nanoTime()}"
        Staff.importRecord(number, pat.email, pat.name)
        pat.logbook.claimEndorsement(number)
        Staff.approveClaim(number)
        assertEquals(ConnectionState.REQUESTED, ben.logbook.requestConnection(number).state)
        pat.logbook.refreshDirectory()
        pat.logbook.acceptRequest("Ben")
        pat.logbook.createGroup("Tuesday", listOf("Ana", "Ben"))
        ana.logbook.refreshDirectory()

        // Ana's session: Ben added and removed, her attendance changed (previewed first), the
        // session edited, withdrawn and restored.
        val logged = ana.logbook.logSession(individual(ana.pick(pat)).copy(kind = SessionKind.GROUP))
        val group = ana.logbook.addAttendee(logged.id, NewAttendee(ana.pick(ben), 45))
        assertEquals(setOf(ana.name, ben.name), group.attendees.mapNotNull { it.name }.toSet())
        assertEquals(listOf(ana.name), ana.logbook.removeAttendee(logged.id, "Ben").attendees.mapNotNull { it.name })
        assertTrue(ana.logbook.previewAttendance(logged.id, "Ana", minutesAttended = 50).isEmpty(), "nothing confirmed yet")
        assertEquals(50, ana.logbook.setAttendance(logged.id, "Ana", minutesAttended = 50).attendees.single().minutesAttended)
        val edited = ana.logbook.editSession(logged.id, SessionChanges(minutes = 55, startTime = "11:00"))
        assertEquals(Pair(55, "11:00"), Pair(edited.minutes, edited.startTime))
        assertTrue(ana.logbook.withdrawSession(logged.id).withdrawn)
        assertEquals(AttendanceStatus.PENDING, ana.logbook.restoreSession(logged.id).status)

        // Passwords: changed with the current one; reset with a staff code, which signs every device out.
        ana.logbook.changePassword(PASSWORD, "a brand new password")
        val resetCode = Staff.resetCode(ana.email)
        val signedIn = device("ana-laptop")
        signedIn.signIn(server, ana.email, "a brand new password", "Ana's laptop")
        signedIn.resetPassword(server, ana.email, resetCode, "after the reset")
        assertFailsWith<LogbookException.Unauthorized> { signedIn.sync() }
        signedIn.signOut(discardUnsynced = true)
        assertNull(signedIn.account())
        signedIn.signIn(server, ana.email, "after the reset", "Ana's laptop")
        assertEquals(ana.email, signedIn.account()!!.email)

        // Her own data: everything the server keeps about her, naming people, never ids.
        val data = signedIn.downloadOwnData()
        assertTrue(data.contains("\"format\": \"rsc-logbook-own-data/1\""), data)
        assertTrue(data.contains(ana.email) && data.contains("\"person\": \"Pat\""), data)
        assertTrue(data.contains("\"name\": \"Ana's laptop\""), data)
        assertFalse(data.contains(ana.id), "no ids in her data")

        // Closing: refused with a wrong password; then her devices are signed out, this one
        // forgets her, and she cannot sign in again.
        assertFailsWith<LogbookException.InvalidInput> { signedIn.closeAccount("not her password") }
        signedIn.closeAccount("after the reset")
        assertNull(signedIn.account())
        assertFailsWith<LogbookException> { signedIn.signIn(server, ana.email, "after the reset", "Ana's laptop") }
    }
}

/** Consent crosses the boundary: a request by number (with the asker's email for the provider),
 *  declined, asked again elsewhere and accepted; groups made, renamed and archived; an ending
 *  reported by the other side's sync; every list as records with enums and instants. */
class ConnectionsScenarioTest {
    @org.junit.Test
    fun requestsGroupsAndEndingsCrossTheBoundary() = runBlocking<Unit> {
        val pat = Person("Pat")
        val quinn = Person("Quinn")
        val cora = Person("Cora")
        val dan = Person("Dan")
        val number = "NM-C${System.nanoTime()}"
        Staff.importRecord(number, pat.email, pat.name)
        pat.logbook.claimEndorsement(number)
        Staff.approveClaim(number)

        val asked = cora.logbook.requestConnection(number)
        assertEquals(Triple(ConnectionState.REQUESTED, ConnectionRole.PROVIDER, pat.name), Triple(asked.state, asked.role, asked.name))
        assertEquals(number, asked.endorsementNumber)
        assertNull(asked.source)
        // Not connected yet: a session with Pat is refused on the device already.
        assertFailsWith<LogbookException.InvalidInput> { cora.logbook.logSession(individual(asked.personId)) }
        pat.logbook.sync()
        val waiting = pat.logbook.connections().single { it.state == ConnectionState.REQUESTED }
        assertEquals(Pair(cora.name, cora.email), Pair(waiting.name, waiting.email))
        assertEquals(ConnectionRole.SUPERVISEE, waiting.role)
        val declined = pat.logbook.declineRequest("Cora")
        assertEquals(ConnectionState.DECLINED, declined.state)
        val told = cora.logbook.sync().connectionNews.single()
        assertEquals(ConnectionChange.DECLINED, told.change)
        assertTrue(told.text.startsWith("Pat declined your request"), told.text)
        val hers = cora.logbook.connections().single()
        assertTrue(hers.askAgainFrom!!.isAfter(hers.endedAt!!), "a week later")
        val again = assertFailsWith<LogbookException.Rejected> { cora.logbook.requestConnection(number) }
        assertTrue(again.message!!.contains("ask again from"), again.message)

        dan.logbook.requestConnection(number)
        pat.logbook.sync()
        val accepted = pat.logbook.acceptRequest("Dan")
        assertEquals(Pair(ConnectionState.CONNECTED, ConnectionSource.REQUEST), Pair(accepted.state, accepted.source))
        assertEquals(ConnectionChange.ACCEPTED, dan.logbook.sync().connectionNews.single().change)
        connect(pat, cora)
        assertEquals(ConnectionSource.CODE, pat.logbook.connections().single { it.name == "Cora" }.source)

        // Groups: made by name, renamed, archived and brought back; members see them.
        val group = pat.logbook.createGroup("Tuesday reflective group", listOf("Cora", "Dan"))
        assertEquals(listOf("Cora", "Dan"), group.members.map { it.name })
        assertTrue(group.mine)
        assertFailsWith<LogbookException.InvalidInput> { pat.logbook.createGroup("tuesday reflective GROUP", listOf()) }
        assertFailsWith<LogbookException.InvalidInput> { quinn.logbook.addToGroup("Tuesday", "Cora") }
        cora.logbook.sync()
        val seen = cora.logbook.groups().single()
        assertEquals(Pair(pat.name, false), Pair(seen.provider.name, seen.mine))
        assertEquals("Tuesdays", pat.logbook.renameGroup("Tuesday", "Tuesdays").name)
        assertTrue(pat.logbook.archiveGroup("Tuesdays", true).archived)
        cora.logbook.sync()
        assertTrue(cora.logbook.groups().isEmpty(), "an archived group is offered to nobody")
        assertEquals(listOf("Dan"), pat.logbook.removeFromGroup("Tuesdays", "Cora").members.map { it.name })

        // Cora ends it; Pat's next sync says so, and the connection is listed as ended.
        assertEquals(pat.name, cora.logbook.endConnection("Pat").name)
        val news = pat.logbook.sync().connectionNews.single()
        assertEquals(Pair(ConnectionChange.ENDED, "Cora"), Pair(news.change, news.name))
        assertTrue(news.text.startsWith("Cora ended the connection on "), news.text)
        val ended = pat.logbook.connections().single { it.name == "Cora" }
        assertEquals(Pair(ConnectionState.ENDED, false), Pair(ended.state, ended.endedByMe))
        assertFailsWith<LogbookException.InvalidInput> { cora.logbook.endConnection("Pat") }
    }
}

/** Runs the suite and prints one line of counts for the test command's total. */
fun main() {
    val result = JUnitCore.runClasses(LogbookScenarioTest::class.java, ConnectionsScenarioTest::class.java)
    result.failures.forEach { failure: Failure ->
        println("FAIL ${failure.description.methodName}: ${failure.message}")
        println(failure.trace)
    }
    opened.forEach { it.close() }
    val declared = listOf(LogbookScenarioTest::class.java, ConnectionsScenarioTest::class.java)
        .sumOf { suite -> suite.methods.count { it.isAnnotationPresent(org.junit.Test::class.java) } }
    val passed = result.runCount - result.failureCount
    println("kotlin: $passed passed, ${result.failureCount} failed")
    if (!result.wasSuccessful() || result.runCount != declared) {
        println("kotlin: ${result.runCount} of $declared tests ran")
        kotlin.system.exitProcess(1)
    }
}
