import LifelongProto
import RPCCore
public import ServiceAuth

/// Which node an edge call may act for: an edge token only for its own node (admin and
/// service tokens for any).
enum EdgeAccess {
    static func require(node: String, field: String) throws {
        try Principal.requireNode(node, field: field)
    }
}

extension Gateway {
    /// Who may call what: admins everything; readers the calls that only read (jobs, their
    /// events, reports, the fleet, the labelling queue); edge tokens the edge calls, each for
    /// its own node; service tokens the edge calls too (a trusted proxy).
    public static let accessPolicy: AccessPolicy = {
        typealias Methods = Lifelong_V1_Gateway.Method
        return AccessPolicy(default: [.admin])
            .allowing([.admin, .reader], methods: [
                Methods.GetJob.descriptor, Methods.ListJobs.descriptor, Methods.WatchJob.descriptor, Methods.GetReport.descriptor,
                Methods.ListEdges.descriptor, Methods.ListUnlabelled.descriptor,
            ])
            .allowing([.admin, .edge, .service], methods: [
                Methods.RegisterEdge.descriptor, Methods.Heartbeat.descriptor, Methods.PullSnapshot.descriptor,
                Methods.WatchSnapshots.descriptor, Methods.UploadUnseen.descriptor,
            ])
    }()
}
