import KnowledgeBase
import LifelongProto
import StandardServices

/// The knowledge base's figures in the Prometheus text format.
enum KnowledgeBaseMetricsText {
    static func render(kb: KnowledgeBase, health: HealthService) -> String {
        var text = ""
        text += "# HELP lifelong_kb_calls_total Calls served, by method and gRPC status.\n"
        text += "# TYPE lifelong_kb_calls_total counter\n"
        let series = kb.metrics.snapshot
        for entry in series {
            text += "lifelong_kb_calls_total{method=\"\(entry.method)\",status=\"\(entry.status)\"} \(entry.count)\n"
        }
        text += "# HELP lifelong_kb_call_seconds_total Time spent serving calls, by method and gRPC status.\n"
        text += "# TYPE lifelong_kb_call_seconds_total counter\n"
        for entry in series {
            text += "lifelong_kb_call_seconds_total{method=\"\(entry.method)\",status=\"\(entry.status)\"} \(entry.totalSeconds)\n"
        }
        let pool = kb.pool.statistics
        text += "# HELP lifelong_kb_postgres_connections PostgreSQL connections of the pool, by state.\n"
        text += "# TYPE lifelong_kb_postgres_connections gauge\n"
        text += "lifelong_kb_postgres_connections{state=\"open\"} \(pool.workers)\n"
        text += "lifelong_kb_postgres_connections{state=\"idle\"} \(pool.idle)\n"
        text += "# HELP lifelong_kb_postgres_waiting Callers waiting for a PostgreSQL connection.\n"
        text += "# TYPE lifelong_kb_postgres_waiting gauge\n"
        text += "lifelong_kb_postgres_waiting \(pool.waiting)\n"
        text += "# HELP lifelong_kb_postgres_connect_failures Failed connection attempts since the last success.\n"
        text += "# TYPE lifelong_kb_postgres_connect_failures gauge\n"
        text += "lifelong_kb_postgres_connect_failures \(pool.consecutiveConnectFailures)\n"
        let serving = health.status(ofService: Lifelong_V1_KnowledgeBase.descriptor.fullyQualifiedService) == .serving
        text += "# HELP lifelong_kb_up Whether the service reports SERVING (its database is reachable).\n"
        text += "# TYPE lifelong_kb_up gauge\n"
        text += "lifelong_kb_up \(serving ? 1 : 0)\n"
        return text
    }
}
