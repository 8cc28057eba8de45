/// A unit of work to enqueue with its run.
public struct QueueUnitSpec: Sendable, Hashable {
    /// Name, unique within the run (`prior`, `task:summer_ac`, `publish`).
    public var name: String
    /// Stage: units of a stage wait until every unit of the lower stages has finished.
    public var stage: Int
    /// What the worker needs beyond the run's payload.
    public var payload: [UInt8]
    /// Claims allowed before the unit fails for good (a lease that expires counts as one).
    public var maxAttempts: Int

    /// Creates a unit spec.
    public init(name: String, stage: Int = 0, payload: [UInt8] = [], maxAttempts: Int = 3) {
        self.name = name
        self.stage = stage
        self.payload = payload
        self.maxAttempts = maxAttempts
    }
}

/// A run to enqueue: its payload and its units.
public struct QueueRunSpec: Sendable, Hashable {
    /// The run's id (the caller's choice, e.g. a UUID).
    public var id: String
    /// Idempotency key: enqueueing it again returns the run it made.
    public var requestID: String?
    /// A digest of the request, to refuse the same key for another request.
    public var requestDigest: String
    /// What every unit of the run needs.
    public var payload: [UInt8]
    /// The units.
    public var units: [QueueUnitSpec]

    /// Creates a run spec.
    public init(id: String, requestID: String? = nil, requestDigest: String = "", payload: [UInt8], units: [QueueUnitSpec]) {
        self.id = id
        self.requestID = requestID
        self.requestDigest = requestDigest
        self.payload = payload
        self.units = units
    }
}

/// The state of a run.
public enum QueueRunState: String, Sendable, Hashable {
    /// Units are waiting or being worked on.
    case running
    /// Its final unit is committing the result; it can no longer be cancelled.
    case committing
    /// Finished successfully.
    case completed
    /// Finished with an error.
    case failed
    /// Cancelled: no unit is claimed any more.
    case cancelled

    /// Whether the run has ended.
    public var isFinished: Bool { self == .completed || self == .failed || self == .cancelled }
}

/// The state of a unit.
public enum QueueUnitState: String, Sendable, Hashable {
    /// Waiting for a worker (or for its retry time).
    case available
    /// Leased by a worker.
    case running
    /// Done.
    case completed
    /// Failed for good.
    case failed
    /// Its run was cancelled.
    case cancelled

    /// Whether the unit has ended.
    public var isFinished: Bool { self == .completed || self == .failed || self == .cancelled }
}

/// A run as stored.
public struct QueueRun: Sendable, Hashable {
    /// Its id.
    public var id: String
    /// Its state.
    public var state: QueueRunState
    /// The error it failed with.
    public var error: String
    /// Its payload.
    public var payload: [UInt8]
    /// Its units, by stage then name.
    public var units: [QueueUnit]
}

/// A unit as stored.
public struct QueueUnit: Sendable, Hashable {
    /// Its name.
    public var name: String
    /// Its stage.
    public var stage: Int
    /// Its state.
    public var state: QueueUnitState
    /// Claims so far.
    public var attempts: Int
    /// The worker that holds or last held it.
    public var workerID: String?
    /// What the worker reported when it completed the unit.
    public var result: [UInt8]?
    /// The last failure.
    public var error: String
}

/// A unit leased to a worker. The lease is identified by the attempt number, so a worker
/// whose lease expired and was taken over can no longer renew, complete or fail it.
public struct ClaimedUnit: Sendable, Hashable {
    /// The run.
    public var runID: String
    /// The unit's name.
    public var name: String
    /// Its stage.
    public var stage: Int
    /// This claim's attempt number (1 for the first claim).
    public var attempt: Int
    /// The worker holding the lease.
    public var workerID: String
    /// The worker that held the previous, expired lease (a takeover), if any.
    public var previousWorkerID: String?
    /// The unit's payload.
    public var payload: [UInt8]
    /// The run's payload.
    public var runPayload: [UInt8]
}

/// What renewing a lease found.
public enum LeaseStatus: Sendable, Hashable {
    /// Still ours, extended.
    case held
    /// Taken over by another worker, or finished: stop working on it.
    case lost
    /// The run was cancelled: stop working on it.
    case cancelled
}

/// What enqueueing did.
public enum EnqueueOutcome: Sendable, Hashable {
    /// A new run was stored.
    case created(String)
    /// The request id had already made this run.
    case existing(String)

    /// The run's id either way.
    public var runID: String {
        switch self {
        case .created(let id), .existing(let id): id
        }
    }
}

/// Failures of the queue that are not database errors.
public struct JobQueueError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What went wrong.
    public enum Code: String, Sendable, Hashable {
        /// The request id was used for a different request.
        case requestIDReused
        /// No such run.
        case unknownRun
        /// The run has moved past the point where the operation is allowed.
        case invalidState
    }

    /// The code.
    public var code: Code
    /// A message for people.
    public var message: String

    /// Creates the error.
    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { "\(code.rawValue): \(message)" }
}

/// How many units of a queue's open runs wait and run.
public struct QueueDepth: Sendable, Hashable {
    /// Units waiting to be claimed (retry time or lower stages not yet reached included).
    public var available: Int
    /// Units claimed and not finished (leases expired and not yet taken over included).
    public var running: Int

    /// Creates a depth.
    public init(available: Int = 0, running: Int = 0) {
        self.available = available
        self.running = running
    }
}
