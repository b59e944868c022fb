# syntax=docker/dockerfile:1
FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src
COPY global.json Directory.Build.props AgentRouter.sln ./
COPY AgentRouter.Web/AgentRouter.Web.csproj AgentRouter.Web/
RUN dotnet restore AgentRouter.Web/AgentRouter.Web.csproj
COPY AgentRouter.Web/ AgentRouter.Web/
RUN dotnet publish AgentRouter.Web/AgentRouter.Web.csproj -c Release -o /app --no-restore

FROM mcr.microsoft.com/dotnet/aspnet:10.0 AS final
WORKDIR /app
COPY --from=build /app ./
# The data folder holds the SQLite store and the Data Protection key ring: keep it on a volume.
ENV ASPNETCORE_HTTP_PORTS=8080 \
    Data__Directory=/data
RUN mkdir -p /data && chown "$APP_UID" /data
VOLUME /data
USER $APP_UID
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 CMD ["dotnet", "AgentRouter.Web.dll", "healthcheck"]
ENTRYPOINT ["dotnet", "AgentRouter.Web.dll"]
