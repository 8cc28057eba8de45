public import LifelongProto
public import RPCCore

/// The services every Lifelong server hosts besides its own: health and reflection.
public enum StandardServices {
    /// A router with `services`, health (the server and each service SERVING) and reflection
    /// over the given descriptor sets.
    /// - Parameters:
    ///   - services: The application's services.
    ///   - health: The health service to host; a new one when nil.
    ///   - descriptorSets: Base64 `FileDescriptorSet`s for reflection; by default the contract's.
    /// - Returns: The router and the health service (to change statuses later).
    /// - Throws: When a descriptor set cannot be decoded.
    public static func router(
        hosting services: [any RegistrableRPCService], health: HealthService? = nil,
        descriptorSets: [String] = [LifelongDescriptorSet.base64]
    ) throws -> (router: RPCRouter, health: HealthService) {
        var router = RPCRouter()
        for service in services { service.registerMethods(with: &router) }
        let applicationServices = router.serviceNames
        let health = health ?? HealthService(servingServices: applicationServices)
        router.register(health)
        let hosted = applicationServices + [Grpc_Health_V1_Health.descriptor.fullyQualifiedService]
        router.register(try ReflectionService(serviceNames: hosted, descriptorSets: descriptorSets))
        // grpcio's reflection client (and older grpcurl) speak v1alpha: same messages, older name.
        let v1 = Grpc_Reflection_V1_ServerReflection.Method.ServerReflectionInfo.descriptor
        if let route = router.route(forPath: v1.path) {
            let v1alpha = MethodDescriptor(fullyQualifiedService: "grpc.reflection.v1alpha.ServerReflection", method: v1.method)
            router.register(method: v1alpha, kind: route.kind, handler: route.handler)
        }
        return (router, health)
    }
}
