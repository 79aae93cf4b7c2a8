package dev.kairos.demo.logic

/** The demo's settings, in one place. */
object DemoConfig {
    /**
     * The backend the nightly sync talks to. Loopback `http://` is allowed for the demo: run
     * `kairos-backend serve --addr 127.0.0.1:8080` on the computer and `adb reverse tcp:8080 tcp:8080`
     * (Android) or use the simulator, which shares the Mac's loopback (iOS). An app ships `https://`.
     */
    const val BACKEND_URL = "http://127.0.0.1:8080"

    /** Today's step goal. */
    const val STEP_GOAL = 7500

    /** The catalog bundled for a first run without a backend (`tests/catalogs/example.signed.json`). */
    const val STARTER_CATALOG = "catalogs/example.signed.json"
}
