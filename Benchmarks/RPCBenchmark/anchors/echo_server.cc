// C++ gRPC anchor for `make bench-rpc`: lifelong.testing.v1.ProbeService/Echo on a synchronous
// server (the default thread pool). usage: echo_server PORT
#include <grpcpp/grpcpp.h>
#include <iostream>
#include <string>
#include "lifelong/testing/v1/codec_probe.grpc.pb.h"

using lifelong::testing::v1::Leaf;
using lifelong::testing::v1::ProbeService;

class EchoService final : public ProbeService::Service {
    grpc::Status Echo(grpc::ServerContext*, const Leaf* request, Leaf* response) override {
        *response = *request;
        return grpc::Status::OK;
    }
};

int main(int argc, char** argv) {
    std::string address = std::string("127.0.0.1:") + (argc > 1 ? argv[1] : "0");
    EchoService service;
    grpc::ServerBuilder builder;
    int port = 0;
    builder.AddListeningPort(address, grpc::InsecureServerCredentials(), &port);
    builder.RegisterService(&service);
    std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
    std::cout << "PORT " << port << std::endl;
    server->Wait();
}
