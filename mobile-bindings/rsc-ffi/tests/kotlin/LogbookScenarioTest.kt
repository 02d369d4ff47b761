// The Kotlin bindings against a real rsc-server process. Each test stands alone, with people of
// its own (unique emails), and checks the glue only: records and enums crossing the boundary,
// typed exceptions, the progress callback, byte arrays and JSON strings. What the core does with
// them is tested in rsc-client. Run by scripts/kotlin-tests, which starts the server and passes
// its URL and an admin account.

import java.net.URI
import java.net.http.HttpClient
import java.net.http.HttpRequest
import java.net.http.HttpResponse
import java.nio.file.Files
import kotlin.test.*
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

    fun importRecord(number: String, email: String) {
        val csv = "endorsement_number,holder_name,holder_email,credential,association,earned_on,valid_through,revoked_on\n" +
            "$number,Pat Provider,$email,IMHM-C,NMAIMH,2015-03-01,,\n"
        send(authorized("/v1/registry/import?source=kotlin.csv").header("content-type", "text/csv")
            .POST(HttpRequest.BodyPublishers.ofString(csv)))
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

/** Someone signed up on a fresh device, under an email no other test uses. */
private class Person(name: String) {
    val email = "$name-${java.util.UUID.randomUUID()}@example.org"
    val logbook = device(name)
    val account: Account = logbook.signUp(server, email, PASSWORD, name.replaceFirstChar { it.uppercase() }, "$name's phone")
    val id: String get() = account.userId
}

private fun individual(provider: String, date: String = "2025-03-04") =
    NewSession(date, "10:00", "America/Denver", 60u, SessionKind.INDIVIDUAL, SessionFormat.VIDEO, provider, emptyList())

class LogbookScenarioTest {
    /** Records cross the boundary both ways: the account, a logged session and its enums. */
    @org.junit.Test
    fun recordsAndEnumsRoundTrip() {
        val pat = Person("pat")
        val ana = Person("ana")
        assertEquals("member", pat.account.role)
        assertEquals(pat.account, pat.logbook.account())
        assertEquals(64, pat.logbook.devicePublicKey().length)
        val group = NewSession("2025-03-04", "10:00", "America/Denver", 120u, SessionKind.GROUP, SessionFormat.IN_PERSON,
            pat.id, listOf(NewAttendee(ana.id, 90u, true)))
        val logged = ana.logbook.logSession(group)
        assertEquals(
            listOf("2025-03-04", "10:00", "America/Denver"),
            listOf(logged.date, logged.startTime, logged.timeZone),
        )
        assertEquals(Triple(SessionKind.GROUP, SessionFormat.IN_PERSON, AttendanceStatus.PENDING),
            Triple(logged.kind, logged.format, logged.status))
        val me = logged.attendees.single()
        assertEquals(Triple(ana.id, 90u, true), Triple(me.id, me.minutesAttended, me.aboutOwnRscPractice))
        assertTrue(logged.unsynced)
        assertEquals(logged, ana.logbook.session(logged.id))
        // A list result, and a record built by `copy` going back in.
        assertEquals(listOf(logged.id), ana.logbook.duplicatesOf(group).map { it.id })
        assertTrue(ana.logbook.duplicatesOf(group.copy(startTime = "11:00")).isEmpty())
        val filtered = ana.logbook.sessions(SessionFilter("2025-03-01", "2025-03-31", pat.id, AttendanceStatus.PENDING))
        assertEquals(listOf(logged.id), filtered.map { it.id })
    }

    /** Every failure arrives as a typed exception: a field to fix, or what kind of trouble it is. */
    @org.junit.Test
    fun errorsArriveAsTypedExceptions() {
        val ana = Person("ana")
        val bad = individual(ana.id).copy(minutes = 0u)
        assertEquals("minutes", assertFailsWith<LogbookException.InvalidInput> { ana.logbook.logSession(bad) }.field)
        val badDate = individual(ana.id, date = "2025-02-30")
        assertEquals("date", assertFailsWith<LogbookException.InvalidInput> { ana.logbook.logSession(badDate) }.field)
        assertFailsWith<LogbookException.NotFound> { ana.logbook.session("no-such-session") }
        // The server refuses a claim to a record it does not have: nothing to fix in a field.
        val refused = assertFailsWith<LogbookException.Rejected> { ana.logbook.claimEndorsement("NM-0000") }
        assertTrue(refused.reason.contains("NM-0000"), refused.reason)
        val stranger = device("stranger")
        assertFailsWith<LogbookException.Unauthorized> { stranger.sync(null) }
        val offline = assertFailsWith<LogbookException.Network> {
            stranger.signIn("http://127.0.0.1:9", ana.email, PASSWORD, "another phone")
        }
        assertTrue(offline.reason.isNotEmpty())
        assertFailsWith<LogbookException.Unauthorized> { stranger.signIn(server, ana.email, "the wrong password!", "another phone") }
    }

    /** The sync reports progress through the Kotlin listener, and a second device receives. */
    @org.junit.Test
    fun syncReportsProgressThroughTheListener() {
        val pat = Person("pat")
        val ana = Person("ana")
        val logged = ana.logbook.logSession(individual(pat.id))
        val recorder = Recorder()
        val report = ana.logbook.sync(recorder)
        assertEquals(1uL, report.pushedChanges)
        assertTrue(report.refusals.isEmpty())
        assertTrue(recorder.seen.isNotEmpty(), "the listener heard progress")
        assertEquals(report.roundTrips, recorder.seen.last().roundTrips)
        assertFalse(ana.logbook.session(logged.id).unsynced)
        pat.logbook.sync(null)
        val awaiting = pat.logbook.awaitingConfirmation().single()
        assertEquals(Pair(logged.id, ana.id), Pair(awaiting.session.id, awaiting.attendee))
    }

    /** Confirmations, evaluations and exports: optional fields, nested lists, JSON and bytes. */
    @org.junit.Test
    fun confirmationsEvaluationsAndExportsCrossTheBoundary() {
        val pat = Person("pat")
        val ana = Person("ana")
        val logged = ana.logbook.logSession(individual(pat.id))
        ana.logbook.sync(null)
        pat.logbook.sync(null)
        val confirmed = pat.logbook.confirm(logged.id, ana.id, 55u)
        assertEquals(55u, confirmed.attendees.single().confirmedMinutes)
        pat.logbook.sync(null)
        val number = "NM-K${System.nanoTime()}"
        Staff.importRecord(number, pat.email)
        assertEquals("pending", pat.logbook.claimEndorsement(number))
        Staff.approveClaim(number)
        ana.logbook.sync(null)
        assertEquals(AttendanceStatus.CONFIRMED, ana.logbook.session(logged.id).status)
        val evaluation = ana.logbook.evaluate("nmaimh", Purpose.APPLICATION, "2025-06-01")
        assertEquals(55uL, evaluation.requirements[0].countedMinutes)
        assertFalse(evaluation.eligible)
        assertTrue(evaluation.json.contains("\"counted_minutes\""))
        val export = String(ana.logbook.export("json", "nmaimh", Purpose.APPLICATION, "2025-06-01"))
        assertTrue(Regex("\"counted_minutes_as_of\":\\s*55\\b").containsMatchIn(export), export)
        // A dispute's reason comes back as an optional string.
        pat.logbook.dispute(logged.id, ana.id, "we met for half of it")
        pat.logbook.sync(null)
        ana.logbook.sync(null)
        assertEquals("we met for half of it", ana.logbook.session(logged.id).attendees.single().disputeReason)
    }
}

/** Runs the suite and prints one line of counts for the test command's total. */
fun main() {
    val result = JUnitCore.runClasses(LogbookScenarioTest::class.java)
    result.failures.forEach { failure: Failure ->
        println("FAIL ${failure.description.methodName}: ${failure.message}")
        println(failure.trace)
    }
    opened.forEach { it.close() }
    val declared = LogbookScenarioTest::class.java.methods.count { it.isAnnotationPresent(org.junit.Test::class.java) }
    val passed = result.runCount - result.failureCount
    println("kotlin: $passed passed, ${result.failureCount} failed")
    if (!result.wasSuccessful() || result.runCount != declared) {
        println("kotlin: ${result.runCount} of $declared tests ran")
        kotlin.system.exitProcess(1)
    }
}
