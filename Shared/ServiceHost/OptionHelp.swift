public import ArgumentParser

extension ArgumentHelp {
    /// Help for an option that names its environment variable, e.g. "Port to listen on.
    /// (env: LIFELONG_KB_PORT)". ArgumentParser appends the default itself.
    /// - Parameters:
    ///   - abstract: What the option does.
    ///   - option: The long option's name, as on the command line (`metrics-port`).
    public static func environment(_ abstract: String, option: String) -> ArgumentHelp {
        ArgumentHelp("\(abstract) (env: \(ServiceIdentity.current.environmentVariable(forOption: option)))")
    }
}
