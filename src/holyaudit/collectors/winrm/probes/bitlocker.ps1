# holyaudit-probe: bitlocker
# Each volume's BitLocker state. Get-BitLockerVolume needs the BitLocker feature and an administrator; when it
# cannot run at all, the reason is reported instead; a volume it writes an error for is reported with that
# error, and the other volumes as usual. Read-only.
$ErrorActionPreference = 'Stop'
try {
    $failures = @()
    $volumes = @(Get-BitLockerVolume -ErrorAction SilentlyContinue -ErrorVariable failures | ForEach-Object {
        [pscustomobject]@{
            mount = $_.MountPoint
            type = [string]$_.VolumeType
            protection = [string]$_.ProtectionStatus
            status = [string]$_.VolumeStatus
            percent = [double]$_.EncryptionPercentage
        }
    })
    $errors = @($failures | ForEach-Object { [pscustomobject]@{ target = [string]$_.TargetObject; message = $_.Exception.Message } })
    [pscustomobject]@{ volumes = $volumes; errors = $errors } | ConvertTo-Json -Compress -Depth 4
} catch {
    [pscustomobject]@{ error = $_.Exception.Message } | ConvertTo-Json -Compress
}
