package dev.kairos.android

import android.app.job.JobInfo
import android.app.job.JobParameters
import android.app.job.JobScheduler
import android.app.job.JobService
import android.content.ComponentName
import android.content.Context
import java.util.concurrent.TimeUnit

/** The work Kairos schedules with `JobScheduler`. */
enum class KairosJob {
    /** `Engine.tick`: timers (dwell, nudges, routines, claim windows) advance without fixes. */
    TICK,

    /** `Engine.sync`: the consented summaries up, a fresh catalog down, on a network. */
    SYNC,
}

/**
 * The periodic jobs: [KairosJob.TICK] every [KairosConfig.tickIntervalMinutes] and, when
 * [KairosConfig.sync] is set, [KairosJob.SYNC] every [KairosConfig.syncIntervalHours] on any
 * network. Both persisted across reboots (the library's manifest holds
 * `RECEIVE_BOOT_COMPLETED`) and run by [KairosJobService].
 */
internal object Jobs {
    /** Schedules (or replaces) the jobs [config] asks for, and cancels the sync job if it asks for none. */
    fun schedule(context: Context, config: KairosConfig) {
        val scheduler = context.service<JobScheduler>()
        val service = ComponentName(context, KairosJobService::class.java)
        val tickMs = TimeUnit.MINUTES.toMillis(config.tickIntervalMinutes)
        scheduler.schedule(
            JobInfo.Builder(config.jobIds.tick, service).setPeriodic(tickMs).setPersisted(true).build(),
        )
        if (config.sync == null) {
            scheduler.cancel(config.jobIds.sync)
        } else {
            val syncMs = TimeUnit.HOURS.toMillis(config.syncIntervalHours)
            scheduler.schedule(
                JobInfo.Builder(config.jobIds.sync, service)
                    .setPeriodic(syncMs)
                    .setRequiredNetworkType(JobInfo.NETWORK_TYPE_ANY)
                    .setPersisted(true)
                    .build(),
            )
        }
    }

    /** Cancels both jobs. */
    fun cancel(context: Context, ids: JobIds) {
        val scheduler = context.service<JobScheduler>()
        scheduler.cancel(ids.tick)
        scheduler.cancel(ids.sync)
    }
}

/** The job ids Kairos uses in the app's `JobScheduler` namespace (change them if the app's own jobs use these). */
data class JobIds(
    /** The tick job's id. */
    val tick: Int = 0x4b41_7101,
    /** The sync job's id. */
    val sync: Int = 0x4b41_7102,
)

/**
 * Runs Kairos's jobs ([Kairos.runJob]) off the main thread. Declared in the library's manifest
 * with `BIND_JOB_SERVICE`.
 */
class KairosJobService : JobService() {
    override fun onStartJob(params: JobParameters): Boolean {
        val job = Kairos.jobOf(params.jobId) ?: return false
        return Kairos.runJob(job) { failed -> jobFinished(params, failed) }
    }

    /** The system stopped the job early: run it again later. */
    override fun onStopJob(params: JobParameters): Boolean = true
}
