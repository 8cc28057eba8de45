// grpc-go anchor for `make bench-rpc`: lifelong.testing.v1.ProbeService/Echo.
// usage: echo_server PORT (built offline: GO111MODULE=off, GOPATH with /usr/share/gocode).
package main

import (
	"context"
	"fmt"
	"net"
	"os"

	"google.golang.org/grpc"

	pb "lifelong.bench/probe"
)

type echoServer struct {
	pb.UnimplementedProbeServiceServer
}

func (echoServer) Echo(_ context.Context, leaf *pb.Leaf) (*pb.Leaf, error) { return leaf, nil }

func main() {
	port := "0"
	if len(os.Args) > 1 {
		port = os.Args[1]
	}
	listener, err := net.Listen("tcp", "127.0.0.1:"+port)
	if err != nil {
		panic(err)
	}
	server := grpc.NewServer()
	pb.RegisterProbeServiceServer(server, &echoServer{})
	fmt.Printf("PORT %d\n", listener.Addr().(*net.TCPAddr).Port)
	if err := server.Serve(listener); err != nil {
		panic(err)
	}
}
