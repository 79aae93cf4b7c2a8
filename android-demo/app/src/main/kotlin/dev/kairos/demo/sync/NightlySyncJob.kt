package dev.kairos.demo.sync

import android.app.job.JobInfo
import android.app.job.JobParameters
import android.app.job.JobScheduler
import android.app.job.JobService
import android.content.ComponentName
import android.content.Context
import android.util.Log
import dev.kairos.demo.KairosDemoApp
import dev.kairos.demo.logic.DemoConfig
import dev.kairos.demo.logic.NightlySchedule
import dev.kairos.demo.logic.NightlySync
import dev.kairos.demo.service
import kotlinx.coroutines.Job
import kotlinx.coroutines.launch
import java.time.Instant
import java.time.ZoneId

/**
 * The nightly sync, run by the platform's JobScheduler: a one-off job around 02:00 on a network,
 * which schedules the next night's when it is done (and persists across reboots).
 */
class NightlySyncJob : JobService() {
    private var work: Job? = null

    override fun onStartJob(params: JobParameters): Boolean {
        val app = application as KairosDemoApp
        work = app.scope.launch {
            val retry = try {
                val (report, retry) = NightlySync.run(app.engine, DemoConfig.BACKEND_URL, Instant.now())
                Log.i(TAG, "sync: sent ${report.sent}, deferred ${report.deferred}, catalog updated ${report.catalogUpdated}")
                retry
            } catch (e: Exception) {
                Log.w(TAG, "sync failed", e)
                true
            }
            jobFinished(params, retry)
            // After jobFinished: scheduling this job's id while it runs would stop it.
            if (!retry) schedule(app)
        }
        return true
    }

    /** The OS stopped the job (network lost): the sync finishes anyway; ask to run again. */
    override fun onStopJob(params: JobParameters): Boolean {
        work?.cancel()
        return true
    }

    companion object {
        private const val TAG = "KairosSync"
        private const val JOB_ID = 2026

        /** Schedules the next nightly run (replacing any pending one). */
        fun schedule(context: Context) {
            val schedule = NightlySchedule()
            val delay = schedule.delayUntilNext(Instant.now(), ZoneId.systemDefault())
            val job = JobInfo.Builder(JOB_ID, ComponentName(context, NightlySyncJob::class.java))
                .setRequiredNetworkType(JobInfo.NETWORK_TYPE_ANY)
                .setMinimumLatency(delay.toMillis())
                .setOverrideDeadline(delay.plus(schedule.flex).toMillis())
                .setBackoffCriteria(15 * 60_000L, JobInfo.BACKOFF_POLICY_EXPONENTIAL)
                .setPersisted(true)
                .build()
            context.service<JobScheduler>().schedule(job)
        }
    }
}
