import { imageBuildProvider } from "../providers/imageBuild";

describe("imageBuildProvider.diff", () => {
    const inputs = {
        imageName: "r/j:t",
        context: "app",
        dockerfile: "app/Dockerfile",
        baseImage: "b",
        jars: "",
        platform: "linux/amd64",
        registry: "r",
        contextHash: "h1",
    };

    it("rebuilds when the app's files change", async () => {
        expect(
            await imageBuildProvider.diff!(
                "id",
                { ...inputs, imageRef: "x" },
                { ...inputs, contextHash: "h2" },
            ),
        ).toEqual({ changes: true, replaces: ["contextHash"] });
    });

    it("rebuilds when the list of jars changes", async () => {
        expect(
            await imageBuildProvider.diff!(
                "id",
                { ...inputs, imageRef: "x" },
                { ...inputs, jars: "org.apache.hadoop:hadoop-aws:3.3.4" },
            ),
        ).toEqual({ changes: true, replaces: ["jars"] });
    });

    it("does not rebuild for a new registry password (it is never recorded)", async () => {
        expect(
            await imageBuildProvider.diff!(
                "id",
                { ...inputs, imageRef: "x" },
                { ...inputs, registryPassword: "new" },
            ),
        ).toEqual({ changes: false, replaces: [] });
    });
});
