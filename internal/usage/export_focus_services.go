package usage

// serviceCategory maps an AWS service code to FOCUS 1.2's ServiceCategory
// (one of its allowed values). Codes not listed are "Other", as are the
// AWSBillingConductor custom line items.
func serviceCategory(code string) string {
	if c, ok := serviceCategories[code]; ok {
		return c
	}
	return "Other"
}

// serviceCategories lists the service codes of common AWS services by
// FOCUS ServiceCategory.
var serviceCategories = invert(map[string][]string{
	"AI and Machine Learning": {"AmazonSageMaker", "AmazonBedrock", "AmazonRekognition", "AmazonComprehend",
		"AmazonPolly", "AmazonTranslate", "AmazonTextract", "AmazonLex", "transcribe", "AmazonTranscribe",
		"AmazonKendra", "AmazonPersonalize", "AmazonForecast", "AmazonQ"},
	"Analytics": {"AmazonAthena", "AWSGlue", "ElasticMapReduce", "AmazonRedshift", "AmazonQuickSight",
		"AmazonKinesis", "AmazonKinesisFirehose", "AmazonKinesisAnalytics", "AmazonES", "AmazonOpenSearchService",
		"AmazonMSK", "AWSLakeFormation", "AWSDataExchange"},
	"Business Applications": {"AmazonConnect", "AmazonChime", "AmazonWorkMail", "AmazonWorkDocs",
		"AmazonWorkSpaces", "AmazonAppStream", "AmazonSES"},
	"Compute": {"AmazonEC2", "AWSLambda", "AmazonECS", "AmazonEKS", "AWSBatch", "AmazonLightsail",
		"AWSElasticBeanstalk", "AWSOutposts", "AWSAppRunner", "EC2Container"},
	"Databases": {"AmazonRDS", "AmazonDynamoDB", "AmazonElastiCache", "AmazonDocDB", "AmazonNeptune",
		"AmazonMemoryDB", "AmazonMCS", "AmazonKeyspaces", "AmazonTimestream", "AmazonQLDB"},
	"Developer Tools": {"AWSCodeCommit", "AWSCodeBuild", "AWSCodePipeline", "AWSCodeDeploy", "AWSXRay",
		"AWSCloud9", "AWSCodeArtifact", "AmazonECR", "AmazonCodeGuru"},
	"Identity": {"AmazonCognito", "AWSDirectoryService", "AWSIdentityCenter"},
	"Integration": {"AWSQueueService", "AmazonSNS", "AWSEvents", "AmazonMQ", "AmazonStates", "AWSAppSync",
		"AmazonAppFlow"},
	"Internet of Things": {"AWSIoT", "AWSGreengrass", "AWSIoTAnalytics", "AWSIoTEvents", "AWSIoTSiteWise"},
	"Management and Governance": {"AmazonCloudWatch", "AWSCloudTrail", "AWSConfig", "AWSSystemsManager",
		"AWSCloudFormation", "AWSCostExplorer", "AWSBudgets", "AWSServiceCatalog", "AWSOrganizations",
		"AmazonManagedGrafana", "AmazonPrometheus", "AWSBackup"},
	"Media": {"AWSElementalMediaConvert", "AWSElementalMediaLive", "AWSElementalMediaPackage",
		"AWSElementalMediaStore", "AmazonIVS", "AmazonKinesisVideo"},
	"Migration": {"AWSDatabaseMigrationSvc", "AWSDataSync", "AWSMigrationHub", "AWSTransfer",
		"AWSApplicationMigrationSvc", "AWSSnowball"},
	"Mobile": {"AWSAmplify", "AWSDeviceFarm", "AmazonPinpoint"},
	"Networking": {"AmazonVPC", "AmazonCloudFront", "AmazonRoute53", "AWSDataTransfer", "AWSDirectConnect", "AWSELB",
		"AWSGlobalAccelerator", "AWSCloudMap", "AmazonVPCLattice", "AWSNetworkFirewall"},
	"Security": {"awskms", "AWSSecretsManager", "AmazonGuardDuty", "AWSSecurityHub", "AmazonInspector",
		"AmazonInspectorV2", "AWSShield", "awswaf", "AWSCertificateManager", "AmazonMacie", "AmazonDetective",
		"AWSCloudHSM", "AWSFMS"},
	"Storage": {"AmazonS3", "AmazonEFS", "AmazonGlacier", "AmazonFSx", "AWSStorageGateway",
		"AmazonS3GlacierDeepArchive", "AmazonEBS"},
	"Web": {"AmazonApiGateway"},
})

func invert(byCategory map[string][]string) map[string]string {
	out := map[string]string{}
	for category, codes := range byCategory {
		for _, c := range codes {
			out[c] = category
		}
	}
	return out
}
