// The Kotlin bindings against a real rsc-server process: two supervisees and a provider on
// three devices. It checks the glue (records, enums, typed exceptions, the progress callback)
// through one whole scenario; the core's own behaviour is tested in rsc-client.
//
// A JUnit 4 suite whose tests run in name order, each a step of the scenario. Run by
// scripts/kotlin-tests, which starts the server and passes its URL and an admin account.

import java.net.URI
import java.net.http.HttpClient
import java.net.http.HttpRequest
import java.net.http.HttpResponse
import java.nio.file.Files
import kotlin.test.*
import org.junit.FixMethodOrder
import org.junit.runner.JUnitCore
import org.junit.runner.notification.Failure
import org.junit.runners.MethodSorters
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

private fun device(name: String): Logbook = Logbook(Files.createTempDirectory("rsc-kotlin-$name").toString())

private class Recorder : SyncListener {
    val seen = java.util.Collections.synchronizedList(mutableListOf<SyncProgress>())
    override fun onProgress(progress: SyncProgress) {
        seen.add(progress)
    }
}

/** The scenario's shared world: three devices and what earlier steps made. */
private object World {
    val ana = device("ana")
    val ben = device("ben")
    val pat = device("pat")
    lateinit var anaId: String
    lateinit var benId: String
    lateinit var patId: String
    lateinit var groupId: String
}

@FixMethodOrder(MethodSorters.NAME_ASCENDING)
class LogbookScenarioTest {
    /** Sign-up on three devices returns accounts. */
    @org.junit.Test
    fun t1_signUpOnThreeDevicesReturnsAccounts() {
        with(World) {
            anaId = ana.signUp(server, "ana@example.org", PASSWORD, "Ana", "Ana's phone").userId
            benId = ben.signUp(server, "ben@example.org", PASSWORD, "Ben", "Ben's phone").userId
            val patAccount = pat.signUp(server, "pat@example.org", PASSWORD, "Pat", "Pat's phone")
            patId = patAccount.userId
            assertEquals("member", patAccount.role)
            assertEquals(patAccount, pat.account())
            assertEquals(64, pat.devicePublicKey().length)
        }
    }

    /** Errors arrive as typed exceptions naming the field. */
    @org.junit.Test
    fun t2_errorsArriveAsTypedExceptionsNamingTheField() {
        with(World) {
            val badMinutes = NewSession("2025-03-04", "10:00", "America/Denver", 0u, SessionKind.INDIVIDUAL,
                SessionFormat.VIDEO, patId, emptyList())
            val invalid = assertFailsWith<LogbookException.InvalidInput> { ana.logSession(badMinutes) }
            assertEquals("minutes", invalid.field)
            val badDate = badMinutes.copy(minutes = 60u, date = "2025-02-30")
            assertEquals("date", assertFailsWith<LogbookException.InvalidInput> { ana.logSession(badDate) }.field)
            assertFailsWith<LogbookException.NotFound> { ana.session("no-such-session") }
            val stranger = device("stranger")
            assertFailsWith<LogbookException.Unauthorized> { stranger.sync(null) }
            val offline = assertFailsWith<LogbookException.Network> {
                stranger.signIn("http://127.0.0.1:9", "ana@example.org", PASSWORD, "another phone")
            }
            assertTrue(offline.reason.isNotEmpty())
            assertFailsWith<LogbookException.Unauthorized> {
                stranger.signIn(server, "ana@example.org", "the wrong password!", "another phone")
            }
        }
    }

    /** Sessions logged offline sync, with progress reported. */
    @org.junit.Test
    fun t3_sessionsLoggedOfflineSyncWithProgressReported() {
        with(World) {
            val group = ana.logSession(NewSession("2025-03-04", "10:00", "America/Denver", 120u, SessionKind.GROUP,
                SessionFormat.VIDEO, patId, listOf(NewAttendee(anaId, 120u, false), NewAttendee(benId, 120u, false))))
            groupId = group.id
            // The app can warn before the same meeting is logged twice.
            val again = NewSession("2025-03-04", "10:00", "America/Denver", 120u, SessionKind.GROUP,
                SessionFormat.VIDEO, patId, listOf(NewAttendee(benId, 90u, false), NewAttendee(anaId, 120u, false)))
            assertEquals(listOf(group.id), ana.duplicatesOf(again).map { it.id })
            assertTrue(ana.duplicatesOf(again.copy(startTime = "11:00")).isEmpty())
            assertEquals(AttendanceStatus.PENDING, group.status)
            assertTrue(group.unsynced)
            ben.logSession(NewSession("2025-03-11", "10:00", "America/Denver", 60u, SessionKind.INDIVIDUAL,
                SessionFormat.PHONE, patId, emptyList()))
            val recorder = Recorder()
            val report = ana.sync(recorder)
            assertEquals(1uL, report.pushedChanges)
            assertTrue(report.refusals.isEmpty())
            assertTrue(recorder.seen.isNotEmpty(), "the listener heard progress")
            assertEquals(report.roundTrips, recorder.seen.last().roundTrips)
            assertEquals(0uL, ana.status().pendingChanges)
            assertFalse(ana.session(groupId).unsynced)
            ben.sync(null)
            pat.sync(null)
            assertEquals(2, ben.sessions(SessionFilter(null, null, null, null)).size)
        }
    }

    /** The provider sees pending attendees and confirms different minutes each. */
    @org.junit.Test
    fun t4_theProviderConfirmsDifferentMinutesPerAttendee() {
        with(World) {
            val awaiting = pat.awaitingConfirmation()
            assertEquals(3, awaiting.size)
            assertEquals(setOf(anaId, benId), awaiting.filter { it.session.id == groupId }.map { it.attendee }.toSet())
            assertTrue(awaiting.all { it.status == AttendanceStatus.PENDING })
            val notProvider = assertFailsWith<LogbookException.InvalidInput> { ana.confirm(groupId, anaId, 60u) }
            assertEquals("session", notProvider.field)
            pat.confirm(groupId, anaId, 120u)
            val confirmed = pat.confirm(groupId, benId, 90u)
            assertEquals(90u, confirmed.attendees.first { it.id == benId }.confirmedMinutes)
            assertEquals(1, pat.awaitingConfirmation().size)
            pat.sync(null)
            ana.sync(null)
            ben.sync(null)
            assertEquals(AttendanceStatus.CONFIRMED, ana.session(groupId).status)
            val confirmedOnly = SessionFilter(null, null, null, AttendanceStatus.CONFIRMED)
            assertEquals(listOf(groupId), ben.sessions(confirmedOnly).map { it.id })
        }
    }

    /** Evaluations count the confirmed minutes once the provider is endorsed. */
    @org.junit.Test
    fun t5_evaluationsCountConfirmedMinutesOnceTheProviderIsEndorsed() {
        with(World) {
            assertEquals(0uL, ana.evaluate("nmaimh", Purpose.APPLICATION, "2025-06-01").requirements[0].countedMinutes)
            Staff.importRecord("NM-9001", "pat@example.org")
            assertEquals("pending", pat.claimEndorsement("NM-9001"))
            Staff.approveClaim("NM-9001")
            ana.sync(null)
            ben.sync(null)
            val anas = ana.evaluate("nmaimh", Purpose.APPLICATION, "2025-06-01")
            assertEquals(120uL, anas.requirements[0].countedMinutes)
            assertFalse(anas.eligible)
            assertTrue(anas.json.contains("\"counted_minutes\""))
            assertEquals(90uL, ben.evaluate("nmaimh", Purpose.APPLICATION, "2025-06-01").requirements[0].countedMinutes)
            val export = String(ana.export("json", "nmaimh", Purpose.APPLICATION, "2025-06-01"))
            assertTrue(Regex("\"counted_minutes_as_of\":\\s*120\\b").containsMatchIn(export), export)
        }
    }

    /** An edit after confirmation uncounts the session until confirmed again. */
    @org.junit.Test
    fun t6_anEditAfterConfirmationUncountsUntilConfirmedAgain() {
        with(World) {
            val edited = ana.editSession(groupId, SessionChanges(null, null, null, null, null, SessionFormat.PHONE, null))
            assertEquals(AttendanceStatus.CHANGED_SINCE_CONFIRMED, edited.status)
            assertEquals(0uL, ana.evaluate("nmaimh", Purpose.APPLICATION, "2025-06-01").requirements[0].countedMinutes)
            ana.sync(null)
            pat.sync(null)
            val again = pat.awaitingConfirmation().first { it.attendee == anaId }
            assertEquals(AttendanceStatus.CHANGED_SINCE_CONFIRMED, again.status)
            pat.confirm(groupId, anaId, 100u)
            pat.sync(null)
            ana.sync(null)
            assertEquals(100uL, ana.evaluate("nmaimh", Purpose.APPLICATION, "2025-06-01").requirements[0].countedMinutes)
        }
    }

    /** A dispute carries its reason, and withdrawal is visible. */
    @org.junit.Test
    fun t7_aDisputeCarriesItsReasonAndWithdrawalIsVisible() {
        with(World) {
            val bensOwn = ben.sessions(SessionFilter(null, null, patId, AttendanceStatus.PENDING)).single()
            pat.dispute(bensOwn.id, benId, "we did not meet that week")
            pat.sync(null)
            ben.sync(null)
            val disputed = ben.session(bensOwn.id)
            assertEquals(AttendanceStatus.DISPUTED, disputed.status)
            assertEquals("we did not meet that week", disputed.attendees.single().disputeReason)
            assertEquals(AttendanceStatus.WITHDRAWN, ben.withdrawSession(bensOwn.id, "logged by mistake").status)
            assertFailsWith<LogbookException.InvalidInput> { ben.signOut(false) }
            ben.sync(null)
            ben.signOut(false)
            assertNull(ben.account())
            assertEquals(0uL, ben.status().sessions)
        }
    }
}

/** Runs the suite and prints one line of counts for the test command's total. */
fun main() {
    val result = JUnitCore.runClasses(LogbookScenarioTest::class.java)
    result.failures.forEach { failure: Failure ->
        println("FAIL ${failure.description.methodName}: ${failure.message}")
        println(failure.trace)
    }
    listOf(World.ana, World.ben, World.pat).forEach { it.close() }
    val declared = LogbookScenarioTest::class.java.methods.count { it.isAnnotationPresent(org.junit.Test::class.java) }
    val passed = result.runCount - result.failureCount
    println("kotlin: $passed passed, ${result.failureCount} failed")
    if (!result.wasSuccessful() || result.runCount != declared) {
        println("kotlin: ${result.runCount} of $declared tests ran")
        kotlin.system.exitProcess(1)
    }
}
